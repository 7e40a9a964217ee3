/** Small statistics over samples, and the number formats the report uses. */

/** The `p`-th percentile (0–100) by nearest rank; `NaN` for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median (mean of the two middle samples for an even count); `NaN` for no samples. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The largest sample; `NaN` for no samples. */
export function max(samples: readonly number[]): number {
  return samples.length === 0 ? Number.NaN : Math.max(...samples);
}

/** The sample furthest from zero, with its sign (the worst error, late or early). */
export function worst(samples: readonly number[]): number {
  let result = Number.NaN;
  for (const sample of samples) if (!(Math.abs(sample) <= Math.abs(result))) result = sample;
  return result;
}

/** `+12.3 ms` style, signed; `n/a` for NaN. */
export function ms(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(digits)} ms`;
}

/** `12.3 ms`, unsigned; `n/a` for NaN. */
export function plainMs(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)} ms` : "n/a";
}

/** Markdown table from a header and rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
