/**
 * Counts the Redis round trips a piece of code costs, as the client experiences them: every command's
 * [sent, answered] interval is recorded, and overlapping intervals (commands in flight together,
 * i.e. pipelined) count as one round trip. Sequential awaits therefore count one each.
 */
import type { Redis } from 'ioredis';

/** Commands and round trips observed while `work` ran. */
export interface RoundTripCount {
  readonly commands: number;
  readonly roundTrips: number;
}

type SendCommand = Redis['sendCommand'];

/** Runs `work` with `client` instrumented and returns what it sent. */
export async function countRoundTrips(client: Redis, work: () => Promise<void>): Promise<RoundTripCount> {
  const intervals: Array<[number, number]> = [];
  const original: SendCommand = client.sendCommand;
  const pending: Promise<unknown>[] = [];
  client.sendCommand = function (this: Redis, command, stream) {
    const interval: [number, number] = [performance.now(), Number.POSITIVE_INFINITY];
    intervals.push(interval);
    const result = original.call(this, command, stream);
    const answered = () => {
      interval[1] = performance.now();
    };
    pending.push(command.promise.then(answered, answered));
    return result;
  } as SendCommand;
  try {
    await work();
    await Promise.all(pending);
  } finally {
    client.sendCommand = original;
  }
  return { commands: intervals.length, roundTrips: mergedCount(intervals) };
}

/** Number of disjoint groups left after merging overlapping intervals. */
export function mergedCount(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let groups = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [start, finish] of sorted) {
    if (start >= end) groups++;
    end = Math.max(end, finish);
  }
  return groups;
}
