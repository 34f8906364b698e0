/** Counting a rate from event times, for the rate-limit benchmarks (bench/rate-limit.ts, scenario rateLimit). */

/** The most events within any 1,000 ms window of `times` (ms, sorted ascending). */
export function busiestSecond(times: readonly number[]): number {
  let best = 0;
  for (let head = 0, tail = 0; head < times.length; head++) {
    while ((times[head] as number) - (times[tail] as number) >= 1_000) tail++;
    best = Math.max(best, head - tail + 1);
  }
  return best;
}
