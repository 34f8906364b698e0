/**
 * The shared per-vendor rate limit under concurrent invocations: `invocations` workers, each with its
 * own Redis connection (as concurrent dispatch Lambdas have), take batches of up to 100 deliveries from
 * one queue, reserve them at one vendor through RedisRateLimiter (one round trip per batch), start each
 * granted send at its slot and put the rest back. Prints the busiest 1-second window of the granted
 * slots and of the actual starts (late by timer delays) against the configured rate, and checks that
 * every delivery started exactly once.
 *
 *   node bench/rate-limit.ts [--deliveries 2000] [--rate 50] [--burst 5] [--invocations 8]
 *
 * Uses REDIS_URL, or runs its own throw-away redis-server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createRedisClient } from '../lambdas/adapters/redis-client.ts';
import { RedisRateLimiter } from '../lambdas/adapters/redis-rate-limiter.ts';
import { RedisServer } from '../local/redis/redis-launcher.ts';
import { busiestSecond } from './busiest-second.ts';

const { values } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '50' },
    burst: { type: 'string', default: '5' },
    invocations: { type: 'string', default: '8' },
  },
});
const deliveries = Number(values.deliveries);
const limit = { perSecond: Number(values.rate), burst: Number(values.burst) };
const invocations = Number(values.invocations);
const BATCH = 100;
// Why 2 s: what a batch may wait for its slots before it would hand deliveries to another vendor.
const MAX_WAIT_MS = 2_000;

async function main(): Promise<void> {
  const own = process.env.REDIS_URL ? undefined : mkdtempSync(join(tmpdir(), 'herald-rate-bench-'));
  const server = own ? new RedisServer({ home: own }) : undefined;
  const url = process.env.REDIS_URL ?? (await (server as RedisServer).start()).url;
  const vendor = `bench-${randomBytes(4).toString('hex')}`;
  const queue = Array.from({ length: deliveries }, (_, i) => `d${i}`);
  const starts: Array<{ id: string; atMs: number; slotMs: number }> = [];
  let roundTrips = 0;
  const clients = Array.from({ length: invocations }, () => createRedisClient({ url, isCluster: false }));
  const began = performance.now();
  try {
    await Promise.all(
      clients.map(async (client) => {
        const limiter = new RedisRateLimiter(client, { keyPrefix: 'herald-bench:' });
        while (queue.length > 0) {
          const batch = queue.splice(0, BATCH);
          const grant = await limiter.reserve(vendor, batch.length, limit, MAX_WAIT_MS);
          roundTrips++;
          queue.push(...batch.slice(grant.granted));
          const answeredAt = performance.now();
          await Promise.all(
            grant.delaysMs.map(async (delayMs, i) => {
              const slotMs = answeredAt + delayMs;
              await sleep(Math.max(0, slotMs - performance.now()));
              starts.push({ id: batch[i] as string, atMs: performance.now(), slotMs });
            }),
          );
          if (grant.granted === 0) await sleep(Math.min(grant.nextFreeInMs, MAX_WAIT_MS));
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.quit()));
    await server?.stop();
    if (own) rmSync(own, { recursive: true, force: true });
  }
  const elapsedS = (performance.now() - began) / 1_000;
  const times = starts.map((s) => s.atMs).sort((a, b) => a - b);
  const slots = starts.map((s) => s.slotMs).sort((a, b) => a - b);
  const lateness = starts.map((s) => s.atMs - s.slotMs).sort((a, b) => a - b);
  const at = (q: number) => Math.round((lateness[Math.floor(q * (lateness.length - 1))] ?? 0) * 10) / 10;
  const distinct = new Set(starts.map((s) => s.id)).size;
  console.log(
    JSON.stringify(
      {
        scenario: 'rate-limit',
        deliveries,
        ratePerSecond: limit.perSecond,
        burst: limit.burst,
        invocations,
        started: starts.length,
        distinctStarted: distinct,
        lost: deliveries - distinct,
        startedTwice: starts.length - distinct,
        // The limiter's schedule: slot times as granted (each on the worker's clock at the answer).
        busiestSecondScheduled: busiestSecond(slots),
        // What a vendor would see: actual starts, late by timer delays on a loaded machine.
        busiestSecondStarted: busiestSecond(times),
        allowedBusiestSecond: limit.perSecond + limit.burst - 1,
        startLatenessMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
        averagePerSecond: Math.round((starts.length / elapsedS) * 10) / 10,
        elapsedSeconds: Math.round(elapsedS * 10) / 10,
        reserveRoundTrips: roundTrips,
        loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
      },
      null,
      2,
    ),
  );
}

await main();
