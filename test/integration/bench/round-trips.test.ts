import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alternate, median, percentile } from '../../../bench/harness.ts';
import { countRoundTrips, mergedCount } from '../../../bench/round-trips.ts';
import { testEngines, uniqueName } from '../../support/engines.ts';

let client: Redis;
let key: string;

beforeAll(async () => {
  client = new Redis(testEngines().redisUrl);
  key = uniqueName('round-trips');
  await client.ping(); // connected: the handshake's commands are not counted below
});

afterAll(async () => {
  await client.del(key);
  client.disconnect();
});

describe('countRoundTrips', () => {
  it('counts one round trip per awaited command', async () => {
    const count = await countRoundTrips(client, async () => {
      for (let i = 0; i < 5; i++) await client.incr(key);
    });
    expect(count).toEqual({ commands: 5, roundTrips: 5 });
  });

  it('counts commands in flight together as one round trip', async () => {
    const count = await countRoundTrips(client, async () => {
      await Promise.all(Array.from({ length: 5 }, () => client.incr(key)));
      await client.get(key);
    });
    expect(count).toEqual({ commands: 6, roundTrips: 2 });
  });

  it('leaves the client as it found it', async () => {
    const sendCommand = client.sendCommand;
    await countRoundTrips(client, async () => void (await client.get(key)));
    expect(client.sendCommand).toBe(sendCommand);
  });
});

describe('mergedCount', () => {
  it('merges overlapping intervals and keeps touching ones apart', () => {
    expect(
      mergedCount([
        [0, 2],
        [1, 3],
        [3, 4],
        [10, 11],
      ]),
    ).toBe(3);
  });
});

describe('harness statistics', () => {
  it('takes medians and nearest-rank percentiles', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(() => median([])).toThrow(RangeError);
  });

  it('alternates sides and swaps who goes first each round', async () => {
    const order: string[] = [];
    const samples = await alternate(
      3,
      async (round) => {
        order.push(`h${round}`);
        return round;
      },
      async (round) => {
        order.push(`b${round}`);
        return -round;
      },
      () => undefined,
    );
    expect(order).toEqual(['h0', 'b0', 'b1', 'h1', 'h2', 'b2']);
    expect(samples).toEqual({ herald: [0, 1, 2], baseline: [-0, -1, -2] });
  });
});
