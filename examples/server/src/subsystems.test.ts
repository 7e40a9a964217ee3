import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveServerConfig } from "@tsalive/config";
import { subsystemsOf } from "./subsystems.ts";

test("Subsystem lines by name: the command's words joined as sshd joins them, the first of a name kept", () => {
  const config = resolveServerConfig({
    config: {
      file: "sshd_config",
      text: 'Subsystem sftp /usr/lib/openssh/sftp-server -l INFO\nSubsystem x "/bin/cat"\nSubsystem sftp /other\n',
    },
  });
  assert.deepEqual(
    [...subsystemsOf(config)],
    [
      ["sftp", "/usr/lib/openssh/sftp-server -l INFO"],
      ["x", "/bin/cat"],
    ],
  );
  assert.equal(subsystemsOf(resolveServerConfig({ config: { file: "sshd_config", text: "" } })).size, 0);
});
