import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Emitter } from "./emitter.ts";

describe("Emitter", () => {
  it("calls listeners in order, removes them, counts them", () => {
    const events = new Emitter<{ a: number; b: string }>();
    const seen: string[] = [];
    const off = events.on("a", (n) => seen.push(`first ${n}`));
    events.on("a", (n) => seen.push(`second ${n}`));
    assert.equal(events.has("a"), true);
    assert.equal(events.has("b"), false);
    events.emit("a", 1);
    off();
    events.emit("a", 2);
    events.emit("b", "nobody listens");
    assert.deepEqual(seen, ["first 1", "second 1", "second 2"]);
    assert.equal(events.listenerCount(), 1);
    events.clear();
    assert.equal(events.listenerCount(), 0);
  });

  it("a listener added during an emit waits for the next one", () => {
    const events = new Emitter<{ a: undefined }>();
    let calls = 0;
    events.on("a", () => events.on("a", () => calls++));
    events.on("a", () => {});
    events.emit("a", undefined);
    assert.equal(calls, 0);
    events.emit("a", undefined);
    assert.equal(calls, 1);
  });

  it("keeps one listener alone and a list from the second, removing one registration at a time", () => {
    const events = new Emitter<{ a: number }>();
    const seen: number[] = [];
    const listener = (n: number): void => {
      seen.push(n);
    };
    events.on("a", listener);
    events.off("a", () => {});
    events.emit("a", 1);
    events.off("a", listener);
    events.emit("a", 2);
    assert.equal(events.has("a"), false);
    events.on("a", listener);
    events.on("a", listener);
    events.emit("a", 3);
    events.off("a", listener);
    assert.equal(events.listenerCount(), 1);
    events.emit("a", 4);
    assert.deepEqual(seen, [1, 3, 3, 4]);
  });
});
