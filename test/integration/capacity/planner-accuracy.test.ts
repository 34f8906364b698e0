/**
 * The planner's estimate against a real Redis: 1 M statuses (100 k requests of 10 recipients) plus
 * sent marks, claims and idempotency records, written through Herald's own adapters (RedisDedupStore
 * claim + mark, RedisIdempotencyStore, RedisStatusStore with its production page layout); `INFO memory`
 * used_memory delta compared with what the planner's built-in bytes per entry predict. Within ±15 %.
 * Runs on its own redis-server, so that nothing else writes while it measures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateKinds, occupiedPages } from '../../../capacity/capacity-model.ts';
import { BUILT_IN_ENTRY_SIZES } from '../../../capacity/entry-sizes.ts';
import {
  fillClaims,
  fillIdempotencyRecords,
  fillSentMarks,
  fillStatuses,
} from '../../../capacity/measure.ts';
import { measureDelta } from '../../../capacity/redis-memory.ts';
import { STATUS_PAGE_TAG_DIGITS } from '../../../lambdas/adapters/redis-status-store.ts';
import { RedisServer } from '../../../local/redis/redis-launcher.ts';

const REQUESTS = 100_000;
const RECIPIENTS = 10;
const COUNTS = { sentMark: 200_000, inFlightClaim: 20_000, idempotencyRecord: 20_000 };
const TOLERANCE = 0.15;
const PREFIX = 'herald:';

const home = mkdtempSync(join(tmpdir(), 'herald-accuracy-redis-'));
const server = new RedisServer({ home });
let client: Redis;

beforeAll(async () => {
  client = new Redis((await server.start()).url);
  // Loads the scripts, so the script cache is not counted in a delta.
  await measureDelta(client, PREFIX, async () => {
    await fillSentMarks(client, PREFIX, 1);
    await fillIdempotencyRecords(client, PREFIX, 1);
    await fillStatuses(client, PREFIX, 1, 1);
  });
}, 60_000);

afterAll(async () => {
  client.disconnect();
  await server.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('planner accuracy on a real Redis', () => {
  it(`estimates ${(REQUESTS * RECIPIENTS).toLocaleString('en')} statuses plus marks, claims and idempotency records within ±15 %`, async () => {
    const counts = {
      ...COUNTS,
      statusRecipient: REQUESTS * RECIPIENTS,
      statusRequest: REQUESTS,
      // Every request lands in the current time bucket: one page per occupied tag.
      statusPage: occupiedPages(REQUESTS, 16 ** STATUS_PAGE_TAG_DIGITS),
    };
    const delta = await measureDelta(client, PREFIX, async () => {
      await fillSentMarks(client, PREFIX, COUNTS.sentMark);
      await fillClaims(client, PREFIX, COUNTS.inFlightClaim);
      await fillIdempotencyRecords(client, PREFIX, COUNTS.idempotencyRecord);
      await fillStatuses(client, PREFIX, REQUESTS, RECIPIENTS);
    });
    const estimate = estimateKinds(counts, BUILT_IN_ENTRY_SIZES).reduce((sum, kind) => sum + kind.bytes, 0);

    expect(delta.filledBytes).toBeGreaterThan(0);
    expect(Math.abs(estimate - delta.filledBytes) / delta.filledBytes).toBeLessThanOrEqual(TOLERANCE);
  }, 600_000);
});
