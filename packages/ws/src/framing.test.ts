import assert from "node:assert/strict";
import { it } from "node:test";
import { BEAT_MESSAGE, controlMessageOf, PING_MESSAGE, PONG_MESSAGE } from "./framing.ts";

it("controlMessageOf recognises exactly the three reserved strings", () => {
  assert.equal(controlMessageOf(PING_MESSAGE), "ping");
  assert.equal(controlMessageOf(PONG_MESSAGE), "pong");
  assert.equal(controlMessageOf(BEAT_MESSAGE), "beat");
  for (const other of ['{"tsalive":"pang"}', '{"tsalive": "ping"}', "ping", "", new Uint8Array(18), undefined]) {
    assert.equal(controlMessageOf(other), undefined);
  }
  assert.deepEqual(JSON.parse(PING_MESSAGE), { tsalive: "ping" });
});
