import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientArguments, UsageError } from "./argv.ts";
import { parseForwardSpec } from "./forward_spec.ts";

describe("parseClientArguments", () => {
  it("reads ssh's grammar: grouped flags, attached values, the command after the destination", () => {
    const args = parseClientArguments(["-vN", "-p2222", "-o", "A=b", "-oC=d", "-L", "8080:web:80", "me@h", "ls", "-l"]);
    assert.equal(args.verbose, 1);
    assert.equal(args.noCommand, true);
    assert.equal(args.port, 2222);
    assert.deepEqual(args.options, ["A=b", "C=d"]);
    assert.deepEqual(args.localForwards, [{ bindAddress: undefined, bindPort: 8080, host: "web", hostPort: 80 }]);
    assert.equal(args.destination, "me@h");
    assert.equal(args.command, "ls -l");
  });
  it("accepts ssh flags it does not act on, and --reconnect", () => {
    const args = parseClientArguments(["-A", "-C", "--reconnect", "h"]);
    assert.deepEqual(args.ignored, ["-A", "-C"]);
    assert.equal(args.reconnect, true);
  });
  it("rejects what ssh rejects", () => {
    assert.throws(() => parseClientArguments([]), UsageError);
    assert.throws(() => parseClientArguments(["-p", "0", "h"]), /Bad port '0'/);
    assert.throws(() => parseClientArguments(["-Z", "h"]), /unknown option -- Z/);
    assert.throws(() => parseClientArguments(["-L", "nope", "h"]), /Bad local forwarding specification 'nope'/);
  });
});

describe("parseForwardSpec", () => {
  it("reads bind addresses, IPv6 in brackets and '*'", () => {
    assert.deepEqual(parseForwardSpec("127.0.0.1:1:h:2"), {
      bindAddress: "127.0.0.1",
      bindPort: 1,
      host: "h",
      hostPort: 2,
    });
    assert.deepEqual(parseForwardSpec("[::1]:1:[2001:db8::1]:2"), {
      bindAddress: "::1",
      bindPort: 1,
      host: "2001:db8::1",
      hostPort: 2,
    });
    assert.equal(parseForwardSpec("*:1:h:2")?.bindAddress, "*");
    assert.equal(parseForwardSpec("1:h"), undefined);
    assert.equal(parseForwardSpec("1:h:99999"), undefined);
  });
});

describe("-J", () => {
  it("is ProxyJump on the command line, and only one is permitted, as in ssh", () => {
    const args = parseClientArguments(["-J", "me@bastion:2222,inner", "target"]);
    assert.deepEqual(args.commandLine, [{ kind: "option", text: "ProxyJump=me@bastion:2222,inner" }]);
    assert.throws(
      () => parseClientArguments(["-J", "a", "-Jb", "target"]),
      /^UsageError: Only a single -J option is permitted$/,
    );
  });
});
