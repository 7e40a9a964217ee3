import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ReplayBuffer } from "./replay.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const bytes = (value: string) => new TextEncoder().encode(value);

describe("ReplayBuffer", () => {
  it("replays everything while it fits", () => {
    const buffer = new ReplayBuffer(16);
    buffer.push(bytes("hello "));
    buffer.push(bytes("world"));
    assert.deepEqual({ ...buffer.since(0), bytes: text(buffer.since(0).bytes) }, { dropped: 0, bytes: "hello world" });
    assert.equal(text(buffer.since(6).bytes), "world");
    assert.equal(buffer.since(11).bytes.length, 0);
  });

  it("says how much fell out, across the ring's seam and for a chunk larger than the buffer", () => {
    const buffer = new ReplayBuffer(5);
    buffer.push(bytes("abc"));
    buffer.push(bytes("defg"));
    assert.deepEqual(buffer.since(0).dropped, 2);
    assert.equal(text(buffer.since(0).bytes), "cdefg");
    buffer.push(bytes("0123456789"));
    assert.equal(buffer.start, 12);
    assert.equal(text(buffer.since(3).bytes), "56789");
    assert.equal(buffer.since(3).dropped, 9);
  });

  it("refuses an offset it never produced, and a capacity that is not a positive integer", () => {
    const buffer = new ReplayBuffer(5);
    buffer.push(bytes("ab"));
    assert.throws(() => buffer.since(3), {
      name: "RangeError",
      message: 'Cannot replay: "offset" must be an integer from 0 to 2, received 3',
    });
    assert.throws(() => new ReplayBuffer(0), /"capacity" must be a positive integer, received 0/);
  });

  it("always equals the tail of the whole output", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.uint8Array({ maxLength: 60 }), { maxLength: 20 }),
        fc.nat(),
        (capacity, chunks, pick) => {
          const buffer = new ReplayBuffer(capacity);
          const whole: number[] = [];
          for (const chunk of chunks) {
            buffer.push(chunk);
            whole.push(...chunk);
          }
          const offset = whole.length === 0 ? 0 : pick % (whole.length + 1);
          const { dropped, bytes: replayed } = buffer.since(offset);
          const kept = Math.max(offset, whole.length - capacity);
          assert.equal(dropped, kept - offset);
          assert.deepEqual([...replayed], whole.slice(kept));
        },
      ),
    );
  });
});
