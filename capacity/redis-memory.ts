/**
 * Measuring what entries cost on a real Redis: `INFO memory` used_memory before and after a fill.
 * Why fill-then-drain: the Redis may be shared (tests, the local runtime). The delta is taken twice,
 * once as the fill adds it and once as deleting the keys gives it back; when the two disagree,
 * someone else wrote in between and the measurement is repeated.
 */
import type { Redis } from 'ioredis';

/** `used_memory` in bytes. */
export async function usedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  const match = /^used_memory:(\d+)/m.exec(info);
  if (!match) throw new Error('INFO memory has no used_memory');
  return Number(match[1]);
}

/** Deletes every key starting with `prefix` (SCAN + DEL, so memory is freed before this resolves). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** The memory a fill took: as added, and as given back when its keys were deleted. */
export interface MemoryDelta {
  readonly filledBytes: number;
  readonly drainedBytes: number;
  readonly attempts: number;
}

/** Runs `fill` (which must write only keys under `prefix`) and measures what it costs. */
export async function measureDelta(
  client: Redis,
  prefix: string,
  fill: () => Promise<void>,
  options: { readonly maxAttempts?: number; readonly tolerance?: number } = {},
): Promise<MemoryDelta> {
  const maxAttempts = options.maxAttempts ?? 3;
  const tolerance = options.tolerance ?? 0.03;
  let last: MemoryDelta | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    await deleteByPrefix(client, prefix);
    const before = await usedMemory(client);
    await fill();
    const after = await usedMemory(client);
    await deleteByPrefix(client, prefix);
    const drained = after - (await usedMemory(client));
    last = { filledBytes: after - before, drainedBytes: drained, attempts: attempt };
    const disagreement = Math.abs(last.filledBytes - drained) / Math.max(1, Math.abs(drained));
    if (disagreement <= tolerance) return last;
  }
  return last as MemoryDelta;
}

/** Runs `tasks` with at most `parallel` in flight; ioredis pipelines the concurrent commands. */
export async function runConcurrently(
  count: number,
  parallel: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) await task(index);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
}
