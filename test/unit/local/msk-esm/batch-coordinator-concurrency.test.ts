import type { MSKEvent } from 'aws-lambda';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchCoordinator, type InvocationOutcome } from '../../../../local/msk-esm/batch-coordinator.ts';
import { type EsmConfigInput, parseEsmConfig } from '../../../../local/msk-esm/esm-config.ts';
import { type PendingRecord, toPendingRecord } from '../../../../local/msk-esm/msk-event.ts';
import { RecordQueue } from '../../../../local/msk-esm/record-queue.ts';

const source = {
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/l/a-1',
  bootstrapServers: ['b:1'],
};

function records(partition: number, from: number, count: number): PendingRecord[] {
  return Array.from({ length: count }, (_, i) =>
    toPendingRecord('t', partition, {
      key: Buffer.from('k'),
      value: Buffer.from('v'),
      timestamp: String(Date.now()),
      attributes: 0,
      offset: String(from + i),
      headers: {},
    } as KafkaMessage),
  );
}

function ids(event: MSKEvent): string[] {
  return Object.entries(event.records).flatMap(([key, list]) => list.map((r) => `${key}@${r.offset}`));
}

interface Call {
  readonly ids: string[];
  readonly startedAt: number;
  endedAt?: number;
}

const running: BatchCoordinator[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

/** A coordinator whose function answers with `respond` after `latencyMs`, recording each call's interval. */
function harness(
  config: Partial<EsmConfigInput>,
  latencyMs: number,
  respond: (event: MSKEvent) => InvocationOutcome = () => ({ kind: 'success', payload: null }),
) {
  const queue = new RecordQueue();
  const calls: Call[] = [];
  let clock = 0;
  const coordinator = new BatchCoordinator({
    config: parseEsmConfig({
      topics: ['t'],
      consumerGroupId: 'g',
      maximumBatchingWindowMs: 0,
      retryBackoffMs: { initial: 1, max: 5 },
      ...config,
    }),
    source,
    queue,
    invoke: async (event) => {
      const call: Call = { ids: ids(event), startedAt: clock++ };
      calls.push(call);
      await new Promise((resolve) => setTimeout(resolve, latencyMs));
      call.endedAt = clock++;
      return respond(event);
    },
    sendToDestination: async () => undefined,
    commit: async () => undefined,
    log: () => undefined,
  });
  coordinator.start();
  running.push(coordinator);
  return { queue, calls };
}

const partitionOf = (call: Call) => new Set(call.ids.map((id) => id.split('@')[0]));

describe('BatchCoordinator concurrency', () => {
  it('overlaps two partitions whose records arrive together, each in its own batch', async () => {
    const h = harness({ batchSize: 3 }, 50);

    await Promise.all([
      h.queue.add('t-0', records(0, 0, 6), Date.now()),
      h.queue.add('t-1', records(1, 0, 6), Date.now()),
    ]);

    const byPartition = (key: string) => h.calls.filter((call) => partitionOf(call).has(key));
    const overlapping = byPartition('t-0').some((a) =>
      byPartition('t-1').some(
        (b) => a.startedAt < (b.endedAt as number) && b.startedAt < (a.endedAt as number),
      ),
    );
    expect(overlapping).toBe(true);
  });

  it('keeps one batch in flight per partition, in offset order, across retries', async () => {
    let failures = 0;
    const h = harness({ batchSize: 2 }, 10, (event) =>
      ids(event).includes('t-1@2') && failures++ < 2
        ? { kind: 'error', error: { errorType: 'Error', errorMessage: 'boom' } }
        : { kind: 'success', payload: null },
    );

    await Promise.all([0, 1, 2].map((p) => h.queue.add(`t-${p}`, records(p, 0, 8), Date.now())));

    for (const key of ['t-0', 't-1', 't-2']) {
      const calls = h.calls.filter((call) => partitionOf(call).has(key));
      for (const [i, call] of calls.entries()) {
        const previous = calls[i - 1];
        if (previous) expect(call.startedAt).toBeGreaterThan(previous.endedAt as number);
      }
      const firstSeen = [
        ...new Set(calls.flatMap((call) => call.ids).filter((id) => id.startsWith(`${key}@`))),
      ];
      expect(firstSeen.map((id) => Number(id.split('@')[1]))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    expect(h.calls.filter((call) => call.ids.includes('t-1@2'))).toHaveLength(3);
  });
});
