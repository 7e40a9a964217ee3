import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hook, previous, unhook } from "./hook.ts";

class Base {
  greet(): string {
    return "base";
  }
}

describe("hook", () => {
  it("chains to the value it replaced and restores an own property", () => {
    const table: { on?: (x: number) => number } = { on: (x) => x + 1 };
    const original = table.on;
    function on(x: number): number {
      return (previous(table, on)?.(x) ?? 0) * 10;
    }
    const undo = hook(table, "on", on);
    assert.equal(table.on?.(1), 20);
    undo();
    assert.equal(table.on, original);
    assert.equal(previous(table, on), undefined);
  });

  it("deletes an own property over a prototype method on undo, so the prototype shows through again", () => {
    const object = new Base();
    function greet(this: Base): string {
      return `hooked ${previous(this, greet)?.call(this)}`;
    }
    const undo = hook(object, "greet", greet);
    assert.equal(object.greet(), "hooked base");
    undo();
    assert.equal(Object.hasOwn(object, "greet"), false);
    assert.equal(object.greet(), "base");
  });

  it("chains two hooks on one key, each to the one before it", () => {
    const table: { on?: () => string } = { on: () => "a" };
    function b(): string {
      return `b${previous(table, b)?.()}`;
    }
    function c(): string {
      return `c${previous(table, c)?.()}`;
    }
    const undoB = hook(table, "on", b);
    const undoC = hook(table, "on", c);
    assert.equal(table.on?.(), "cba");
    undoC();
    undoB();
    assert.equal(table.on?.(), "a");
  });

  it("leaves a hook in place that someone wrapped over, and keeps its chain working", () => {
    const table: { on?: () => string } = { on: () => "a" };
    function b(): string {
      return `b${previous(table, b)?.()}`;
    }
    const undo = hook(table, "on", b);
    const theirs = table.on as () => string;
    table.on = () => `x${theirs()}`;
    undo();
    assert.equal(table.on?.(), "xba");
  });

  it("hooks an absent key and removes it again", () => {
    const table: { on?: () => string } = {};
    function on(): string {
      return "on";
    }
    const undo = hook(table, "on", on);
    assert.equal(table.on?.(), "on");
    undo();
    assert.equal("on" in table, false);
  });

  it("unhook() takes a hook out as its undo does, and is idempotent", () => {
    const object = new Base();
    const table: { on?: () => string } = { on: () => "a" };
    function greet(this: Base): string {
      return `hooked ${previous(this, greet)?.call(this)}`;
    }
    function on(): string {
      return `b${previous(table, on)?.()}`;
    }
    hook(object, "greet", greet);
    hook(table, "on", on);
    assert.equal(`${object.greet()} ${table.on?.()}`, "hooked base ba");
    unhook(object, "greet", greet);
    unhook(table, "on", on);
    unhook(table, "on", on);
    assert.equal(Object.hasOwn(object, "greet"), false);
    assert.equal(`${object.greet()} ${table.on?.()}`, "base a");
    assert.equal(previous(table, on), undefined);
  });

  it("keeps its slots out of enumerations", () => {
    const table: { on?: () => string } = { on: () => "a" };
    function on(): string {
      return "b";
    }
    hook(table, "on", on);
    assert.deepEqual(Object.keys(table), ["on"]);
    assert.deepEqual({ ...table }, { on });
  });

  it("keeps one property per hook, over an own value or a prototype's, and takes one wrapper at one key only", () => {
    const object = new Base();
    const table: { on?: () => string; off?: () => string } = { on: () => "a" };
    function greet(this: Base): string {
      return `hooked ${previous(this, greet)?.call(this)}`;
    }
    function on(): string {
      return `b${previous(table, on)?.()}`;
    }
    hook(object, "greet", greet);
    hook(table, "on", on);
    assert.equal(Object.getOwnPropertySymbols(object).length, 1);
    assert.equal(Object.getOwnPropertySymbols(table).length, 1);
    assert.throws(() => hook(table, "off", on as () => string), TypeError);
    assert.equal(table.on?.(), "ba");
  });
});
