/** Progress lines on stderr, with the seconds since the bench started: the report itself goes to a file. */
const started = performance.now();

/** Prints one progress line to stderr. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

/** Resolves after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across the bench's processes. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
