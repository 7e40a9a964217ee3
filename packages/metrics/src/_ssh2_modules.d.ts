// Examples and tests here compile @tsalive/ssh2-server from its source, which imports ssh2's untyped internal
// modules: its own ambient declarations for them, as its build sees them. Not shipped (see `files`).
/// <reference path="../../ssh2-server/src/_ssh2_modules.d.ts" />
