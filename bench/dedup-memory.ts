/**
 * Bytes per sent mark: fills a real Redis with 1,000,000 marks through RedisDedupStore and prints
 * `INFO memory` used_memory delta ÷ entries, next to plain `SET <22-char key> 1 EX ttl`.
 *
 *   node bench/dedup-memory.ts [entries]
 *
 * Runs its own throw-away redis-server (nothing else writes to it, so the delta is clean) unless
 * BENCH_REDIS_URL points at a Redis it may FLUSHALL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisDedupStore } from '../lambdas/adapters/redis-dedup-store.ts';
import { RedisServer } from '../local/redis/redis-launcher.ts';

const entries = Number(process.argv[2] ?? 1_000_000);
const windowSeconds = 86_400;
const batch = 1_000;

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1]);
}

async function fillMarks(redis: Redis, count = entries): Promise<void> {
  const store = new RedisDedupStore(redis, { keyPrefix: 'herald:', windowSeconds, leaseMs: 60_000 });
  for (let done = 0; done < count; done += batch) {
    const marks = Array.from({ length: Math.min(batch, count - done) }, () => ({
      deliveryId: randomBytes(16).toString('base64url'),
      kind: 'sent' as const,
    }));
    await store.mark(marks, 'bench');
  }
}

async function fillPlainKeys(redis: Redis): Promise<void> {
  for (let done = 0; done < entries; done += batch) {
    const pipeline = redis.pipeline();
    for (let i = 0; i < Math.min(batch, entries - done); i++) {
      pipeline.set(randomBytes(16).toString('base64url'), '1', 'EX', windowSeconds);
    }
    await pipeline.exec();
  }
}

async function encodings(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', '*:s:*', 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.object('ENCODING', key);
    for (const [, encoding] of (await pipeline.exec()) ?? []) {
      counts.set(String(encoding), (counts.get(String(encoding)) ?? 0) + 1);
    }
  } while (cursor !== '0');
  return counts;
}

async function measure(redis: Redis, fill: (redis: Redis) => Promise<void>): Promise<number> {
  await redis.flushall();
  const before = await usedMemory(redis);
  await fill(redis);
  return ((await usedMemory(redis)) - before) / entries;
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'herald-bench-redis-'));
  const server = process.env.BENCH_REDIS_URL ? undefined : new RedisServer({ home });
  const url = process.env.BENCH_REDIS_URL ?? (await server?.start())?.url ?? '';
  const redis = new Redis(url);
  try {
    const version = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1];
    await fillMarks(redis, 1); // loads the scripts so the script cache is not counted below
    const started = Date.now();
    const perMark = await measure(redis, (r) => fillMarks(r));
    const seconds = (Date.now() - started) / 1000;
    const markKeys = await encodings(redis);
    const perPlainKey = await measure(redis, fillPlainKeys);
    console.log(`Redis ${version}, ${entries.toLocaleString('en')} entries, dedup window ${windowSeconds} s`);
    console.log(
      `RedisDedupStore sent mark      : ${perMark.toFixed(1)} bytes/entry (${seconds.toFixed(1)} s to fill)`,
    );
    console.log(`SET <22-char key> 1 EX ttl     : ${perPlainKey.toFixed(1)} bytes/entry`);
    console.log(`mark hashes by encoding        : ${JSON.stringify(Object.fromEntries(markKeys))}`);
  } finally {
    redis.disconnect();
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

await main();
