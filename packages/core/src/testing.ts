/**
 * Test helpers for code built on `@tsalive/core`: a clock and timers moved by hand.
 *
 * @module
 */
export { TestClock } from "./testing/test_clock.ts";
