// Examples and tests here compile the adapters from their source, which imports ssh2's untyped internal modules
// through the private ssh2 layer: its ambient declarations for them, as the builds see them. Not shipped (see `files`).
/// <reference path="../../ssh2-layer/src/_ssh2_modules.d.ts" />
