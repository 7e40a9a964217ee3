import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labelOfChannelType, labelOfSessionRequest, matchPattern } from "./_pattern.ts";

describe("matchPattern (OpenSSH match_pattern)", () => {
  it("matches literals, * runs and ? single characters", () => {
    assert.equal(matchPattern("session:shell", "session:shell"), true);
    assert.equal(matchPattern("session:shell", "session:*"), true);
    assert.equal(matchPattern("session:subsystem:sftp", "session:*"), true);
    assert.equal(matchPattern("session:subsystem:sftp", "*:sftp"), true);
    assert.equal(matchPattern("x11-connection", "x??-connection"), true);
    assert.equal(matchPattern("x11-connection", "x?-connection"), false);
    assert.equal(matchPattern("anything", "*"), true);
    assert.equal(matchPattern("", "*"), true);
    assert.equal(matchPattern("", "?"), false);
  });

  it("does not match session:* labels with a bare `session` (the sshd 9.2 pitfall)", () => {
    assert.equal(matchPattern("session:command", "session"), false);
    assert.equal(matchPattern("session", "session:*"), false);
  });

  it("is case-sensitive and backtracks over several stars", () => {
    assert.equal(matchPattern("Session:shell", "session:*"), false);
    assert.equal(matchPattern("direct-streamlocal@openssh.com", "*stream*@*.com"), true);
    assert.equal(matchPattern("aaa", "*a*a*a*a"), false);
  });
});

describe("channel labels", () => {
  it("uses sshd's names for session requests and channel types", () => {
    assert.equal(labelOfSessionRequest("shell", undefined), "session:shell");
    assert.equal(labelOfSessionRequest("exec", "ls"), "session:command");
    assert.equal(labelOfSessionRequest("subsystem", "sftp"), "session:subsystem:sftp");
    assert.equal(labelOfSessionRequest("pty-req", undefined), undefined);
    assert.equal(labelOfChannelType("x11"), "x11-connection");
    assert.equal(labelOfChannelType("auth-agent@openssh.com"), "agent-connection");
    assert.equal(labelOfChannelType("direct-tcpip"), "direct-tcpip");
  });
});
