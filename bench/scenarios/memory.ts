/**
 * `memory`: bytes per sent mark at 1M entries (`INFO memory` used_memory delta ÷ entries). Herald's
 * marks, written by claim + mark through RedisDedupStore, against plain `SET <22-char key> 1 EX ttl`.
 * Runs on its own throw-away redis-server (same binary as the engines) so nothing else writes while
 * it measures and FLUSHALL between rounds is safe.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { fillSentMarks, randomDeliveryIds } from '../../capacity/measure.ts';
import { usedMemory } from '../../capacity/redis-memory.ts';
import { RedisServer } from '../../local/redis/redis-launcher.ts';
import { alternate, median, round } from '../harness.ts';
import type { ScenarioContext } from './scenario.ts';

const WINDOW_SECONDS = 86_400;

/** The `memory` result. */
export interface MemoryResult {
  readonly entries: number;
  readonly redisVersion: string;
  readonly heraldBytesPerEntry: number;
  readonly plainKeyBytesPerEntry: number;
  /** heraldBytesPerEntry ÷ plainKeyBytesPerEntry (lower is better). */
  readonly ratio: number;
  readonly samples: { readonly herald: number[]; readonly plainKey: number[] };
}

/** Rounds of this scenario: memory figures barely move, and 1M entries take a while. */
export function memoryRounds(rounds: number): number {
  return Math.min(rounds, 3);
}

/** Steps this scenario reports to the progress bar. */
export function memorySteps(rounds: number): number {
  return memoryRounds(rounds) * 2 + 1;
}

async function fillPlainKeys(client: Redis, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1_000) {
    const pipeline = client.pipeline();
    for (const id of randomDeliveryIds(Math.min(1_000, count - done)))
      pipeline.set(id, '1', 'EX', WINDOW_SECONDS);
    await pipeline.exec();
  }
}

/** Runs the scenario. */
export async function runMemory(ctx: ScenarioContext): Promise<MemoryResult> {
  const entries = ctx.isQuick ? 20_000 : 1_000_000;
  const home = mkdtempSync(join(tmpdir(), 'herald-bench-redis-'));
  const server = new RedisServer({ home });
  const { url } = await server.start();
  const client = new Redis(url);
  try {
    const redisVersion = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    const perEntry = (fill: () => Promise<void>) => async () => {
      await client.flushall();
      await fillSentMarks(client, 'herald:', 1); // script cache loaded before the baseline reading
      await client.flushall();
      const before = await usedMemory(client);
      await fill();
      return ((await usedMemory(client)) - before) / entries;
    };
    ctx.step(`memory: redis-server ${redisVersion} on ${url}`);
    const samples = await alternate(
      memoryRounds(ctx.rounds),
      perEntry(() => fillSentMarks(client, 'herald:', entries)),
      perEntry(() => fillPlainKeys(client, entries)),
      (label) => ctx.step(`memory ${label}`),
    );
    const herald = median(samples.herald);
    const plainKey = median(samples.baseline);
    return {
      entries,
      redisVersion,
      heraldBytesPerEntry: round(herald, 1),
      plainKeyBytesPerEntry: round(plainKey, 1),
      ratio: round(herald / plainKey, 3),
      samples: {
        herald: samples.herald.map((s) => round(s, 2)),
        plainKey: samples.baseline.map((s) => round(s, 2)),
      },
    };
  } finally {
    client.disconnect();
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
