/**
 * The planner's estimate against a real Redis: entries written through Herald's own adapters
 * (RedisDedupStore claim + mark, RedisIdempotencyStore, RedisStatusStore), `INFO memory` used_memory
 * delta compared with what the planner's built-in bytes per entry predict. Within ±15 %.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimateKinds } from '../../../capacity/capacity-model.ts';
import { BUILT_IN_ENTRY_SIZES } from '../../../capacity/entry-sizes.ts';
import {
  fillClaims,
  fillIdempotencyRecords,
  fillSentMarks,
  fillStatuses,
} from '../../../capacity/measure.ts';
import { deleteByPrefix, measureDelta } from '../../../capacity/redis-memory.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';

const MARKS = 200_000;
const TOLERANCE = 0.15;

let client: Redis;
let prefix: string;

beforeAll(async () => {
  client = new Redis(testEngines().redisUrl);
  prefix = `${uniqueName('capacity')}:`;
  // Loads the scripts, so the script cache is not counted in a delta.
  await fillSentMarks(client, prefix, 1);
  await fillIdempotencyRecords(client, prefix, 1);
  await fillStatuses(client, prefix, 1, 1, 64);
  await deleteByPrefix(client, prefix);
});

afterAll(async () => {
  await deleteByPrefix(client, prefix);
  client.disconnect();
});

function estimatedBytes(counts: Parameters<typeof estimateKinds>[0]): number {
  return estimateKinds(counts, BUILT_IN_ENTRY_SIZES).reduce((sum, kind) => sum + kind.bytes, 0);
}

describe('planner accuracy on a real Redis', () => {
  it(`estimates ${MARKS.toLocaleString('en')} sent marks (claim + mark via RedisDedupStore) within ±15 %`, async () => {
    const delta = await measureDelta(client, prefix, () => fillSentMarks(client, prefix, MARKS));
    const estimate = estimatedBytes({ sentMark: MARKS });

    expect(delta.filledBytes).toBeGreaterThan(0);
    expect(Math.abs(estimate - delta.filledBytes) / delta.filledBytes).toBeLessThanOrEqual(TOLERANCE);
  }, 240_000);

  it('estimates a mix of claims, idempotency records and statuses within ±15 %', async () => {
    const counts = {
      inFlightClaim: 20_000,
      idempotencyRecord: 5_000,
      statusEntry: 100 * 100,
      statusRequest: 100,
    };
    const delta = await measureDelta(client, prefix, async () => {
      await fillClaims(client, prefix, counts.inFlightClaim);
      await fillIdempotencyRecords(client, prefix, counts.idempotencyRecord);
      await fillStatuses(client, prefix, counts.statusRequest, 100, BUILT_IN_ENTRY_SIZES.recipientChars);
    });
    const estimate = estimatedBytes(counts);

    expect(delta.filledBytes).toBeGreaterThan(0);
    expect(Math.abs(estimate - delta.filledBytes) / delta.filledBytes).toBeLessThanOrEqual(TOLERANCE);
  }, 240_000);
});
