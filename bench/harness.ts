/**
 * What every benchmark scenario shares: the progress bar on stderr, alternating rounds of Herald and
 * its baseline, and the statistics (medians, percentiles) the report quotes.
 */

/** A progress bar on stderr; on a non-TTY stderr it prints one line per step instead of redrawing. */
export class Progress {
  readonly #total: number;
  readonly #stream: NodeJS.WriteStream;
  readonly #startedAt = Date.now();
  #done = 0;

  constructor(total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#total = Math.max(1, total);
    this.#stream = stream;
  }

  /** Marks one step done and shows what runs next. */
  step(label: string): void {
    this.#done = Math.min(this.#total, this.#done + 1);
    this.show(label);
  }

  /** Redraws with `label` without counting a step. */
  show(label: string): void {
    const share = this.#done / this.#total;
    const width = 28;
    const filled = Math.round(share * width);
    const seconds = Math.round((Date.now() - this.#startedAt) / 1000);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(share * 100)).padStart(3)}% ${seconds}s ${label}`;
    if (this.#stream.isTTY)
      this.#stream.write(`\r\x1b[2K${line.slice(0, (this.#stream.columns ?? 120) - 1)}`);
    else this.#stream.write(`${line}\n`);
  }

  /** Ends the bar's line. */
  finish(): void {
    if (this.#stream.isTTY) this.#stream.write('\n');
  }
}

/** One side of a comparison: runs one measured round and returns its figure (higher or lower is better). */
export type Side<T> = (round: number) => Promise<T>;

/**
 * Runs Herald and its baseline alternately, `rounds` times each, swapping who goes first every round
 * so that warm-up, caches and background load do not favour one side.
 */
export async function alternate<H, B>(
  rounds: number,
  herald: Side<H>,
  baseline: Side<B>,
  onStep: (label: string) => void,
): Promise<{ herald: H[]; baseline: B[] }> {
  const heraldSamples: H[] = [];
  const baselineSamples: B[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['herald', 'baseline'] as const) : (['baseline', 'herald'] as const);
    for (const side of order) {
      if (side === 'herald') heraldSamples.push(await herald(round));
      else baselineSamples.push(await baseline(round));
      onStep(`round ${round + 1}/${rounds} ${side} done`);
    }
  }
  return { herald: heraldSamples, baseline: baselineSamples };
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The `p`-th percentile (nearest rank) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Rounds to `digits` decimals for the report (figures stay numbers in the JSON). */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Per-second rate of `count` items over `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return (count * 1000) / ms;
}
