import type { MSKEvent } from 'aws-lambda';
import type { KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BatchCoordinator,
  type FailureCondition,
  type InvocationOutcome,
} from '../../../../local/msk-esm/batch-coordinator.ts';
import { type EsmConfigInput, parseEsmConfig } from '../../../../local/msk-esm/esm-config.ts';
import { type PendingRecord, toPendingRecord } from '../../../../local/msk-esm/msk-event.ts';
import { RecordQueue } from '../../../../local/msk-esm/record-queue.ts';

const source = {
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/local/abc-1',
  bootstrapServers: ['127.0.0.1:19092'],
};

function records(
  topic: string,
  partition: number,
  from: number,
  count: number,
  timestamp = Date.now(),
): PendingRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const message = {
      key: Buffer.from(`k${from + i}`),
      value: Buffer.from(`v${from + i}`),
      timestamp: String(timestamp),
      attributes: 0,
      offset: String(from + i),
      headers: {},
    };
    return toPendingRecord(topic, partition, message as KafkaMessage);
  });
}

/** Offsets of an event as `partitionKey@offset`, in event order. */
function ids(event: MSKEvent): string[] {
  return Object.entries(event.records).flatMap(([key, list]) =>
    list.map((record) => `${key}@${record.offset}`),
  );
}

interface Harness {
  readonly queue: RecordQueue;
  readonly events: MSKEvent[];
  readonly commits: Array<{ topic: string; partition: number; offset: number }>;
  readonly destination: Array<{ ids: string[]; condition: FailureCondition }>;
  readonly coordinator: BatchCoordinator;
}

const running: BatchCoordinator[] = [];

function harness(
  config: Partial<EsmConfigInput>,
  respond: (event: MSKEvent, call: number) => InvocationOutcome,
): Harness {
  const queue = new RecordQueue();
  const events: MSKEvent[] = [];
  const commits: Harness['commits'] = [];
  const destination: Harness['destination'] = [];
  const coordinator = new BatchCoordinator({
    config: parseEsmConfig({
      topics: ['t'],
      consumerGroupId: 'g',
      maximumBatchingWindowMs: 50,
      retryBackoffMs: { initial: 1, max: 5 },
      ...config,
    }),
    source,
    queue,
    invoke: async (event) => {
      events.push(event);
      return respond(event, events.length);
    },
    sendToDestination: async (list, condition) => {
      destination.push({ ids: list.map((r) => `${r.partitionKey}@${r.offset}`), condition });
    },
    commit: async (offsets) => {
      commits.push(...offsets);
    },
    log: () => undefined,
  });
  coordinator.start();
  running.push(coordinator);
  return { queue, events, commits, destination, coordinator };
}

const ok: InvocationOutcome = { kind: 'success', payload: null };
const failed: InvocationOutcome = { kind: 'error', error: { errorType: 'Error', errorMessage: 'boom' } };

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

describe('BatchCoordinator', () => {
  it('splits a partition into batches of BatchSize and commits the next offset after each', async () => {
    const h = harness({ batchSize: 100 }, () => ok);

    await h.queue.add('t-0', records('t', 0, 0, 250), Date.now());

    expect(h.events.map((e) => ids(e).length)).toEqual([100, 100, 50]);
    expect(h.commits.map((c) => c.offset)).toEqual([100, 200, 250]);
  });

  it('puts records of several partitions in one event, keyed "<topic>-<partition>", each in offset order', async () => {
    const h = harness({ batchSize: 100 }, () => ok);

    await Promise.all([
      h.queue.add('t-0', records('t', 0, 5, 3), Date.now()),
      h.queue.add('t-1', records('t', 1, 40, 2), Date.now()),
    ]);

    expect(h.events).toHaveLength(1);
    expect(ids(h.events[0] as MSKEvent)).toEqual(['t-0@5', 't-0@6', 't-0@7', 't-1@40', 't-1@41']);
    expect(h.events[0]).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: source.eventSourceArn,
      bootstrapServers: '127.0.0.1:19092',
    });
  });

  it('waits for the batching window before invoking with fewer records than BatchSize', async () => {
    const h = harness({ batchSize: 100, maximumBatchingWindowMs: 300 }, () => ok);

    const done = h.queue.add('t-0', records('t', 0, 0, 10), Date.now());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const invokedEarly = h.events.length;
    await done;

    expect(invokedEarly).toBe(0);
    expect(h.events).toHaveLength(1);
  });

  it('on demand, retries the whole batch until it succeeds and commits only then', async () => {
    const h = harness({}, (_event, call) => (call < 4 ? failed : ok));

    await h.queue.add('t-0', records('t', 0, 0, 5), Date.now());

    expect(h.events.map(ids)).toEqual(Array(4).fill(['t-0@0', 't-0@1', 't-0@2', 't-0@3', 't-0@4']));
    expect(h.commits).toEqual([{ topic: 't', partition: 0, offset: 5 }]);
  });

  it('on demand, ignores batchItemFailures and commits the whole batch, as AWS does without ReportBatchItemFailures', async () => {
    const h = harness({}, () => ({
      kind: 'success',
      payload: { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 1 } }] },
    }));

    await h.queue.add('t-0', records('t', 0, 0, 3), Date.now());

    expect(h.events).toHaveLength(1);
    expect(h.commits.at(-1)?.offset).toBe(3);
  });

  it('with ReportBatchItemFailures, resumes each reported partition from its lowest reported offset', async () => {
    const h = harness({ mode: 'provisioned', reportBatchItemFailures: true }, (_event, call) =>
      call === 1
        ? {
            kind: 'success',
            payload: {
              batchItemFailures: [
                { itemIdentifier: { partition: 't-0', offset: 3 } },
                { itemIdentifier: { partition: 't-0', offset: 2 } },
              ],
            },
          }
        : ok,
    );

    await Promise.all([
      h.queue.add('t-0', records('t', 0, 0, 5), Date.now()),
      h.queue.add('t-1', records('t', 1, 0, 2), Date.now()),
    ]);

    expect(ids(h.events[1] as MSKEvent)).toEqual(['t-0@2', 't-0@3', 't-0@4']);
    expect(h.commits).toEqual(
      expect.arrayContaining([
        { topic: 't', partition: 1, offset: 2 },
        { topic: 't', partition: 0, offset: 2 },
        { topic: 't', partition: 0, offset: 5 },
      ]),
    );
    expect(h.commits.filter((c) => c.partition === 0).map((c) => c.offset)).toEqual([2, 5]);
  });

  it.each([
    ['an unknown offset', { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 99 } }] }],
    [
      'an offset given as a string',
      { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: '1' } }] },
    ],
    ['a SQS-style identifier', { batchItemFailures: [{ itemIdentifier: 't-0' }] }],
    ['a list that is not a list', { batchItemFailures: { itemIdentifier: { partition: 't-0', offset: 1 } } }],
  ])(
    'with ReportBatchItemFailures, retries the whole batch after a response with %s',
    async (_name, payload) => {
      const h = harness({ mode: 'provisioned', reportBatchItemFailures: true }, (_event, call) =>
        call === 1 ? { kind: 'success', payload } : ok,
      );

      await h.queue.add('t-0', records('t', 0, 0, 3), Date.now());

      expect(h.events.map(ids)).toEqual([
        ['t-0@0', 't-0@1', 't-0@2'],
        ['t-0@0', 't-0@1', 't-0@2'],
      ]);
    },
  );

  it('after MaximumRetryAttempts, sends the batch to the on-failure destination and moves on', async () => {
    const h = harness(
      { mode: 'provisioned', maximumRetryAttempts: 2, onFailureDestination: 'kafka://t.failed' },
      () => failed,
    );

    await h.queue.add('t-0', records('t', 0, 0, 2), Date.now());

    expect(h.events).toHaveLength(3);
    expect(h.destination).toEqual([{ ids: ['t-0@0', 't-0@1'], condition: 'RetryAttemptsExhausted' }]);
    expect(h.commits.at(-1)?.offset).toBe(2);
  });

  it('bisects a failing batch until only the poison record fails, and dead-letters just that one', async () => {
    const isPoison = (event: MSKEvent) => ids(event).includes('t-0@2');
    const h = harness(
      {
        mode: 'provisioned',
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 3,
        onFailureDestination: 'kafka://t.failed',
      },
      (event) => (isPoison(event) ? failed : ok),
    );

    await h.queue.add('t-0', records('t', 0, 0, 4), Date.now());

    expect(h.events.map(ids).slice(0, 3)).toEqual([
      ['t-0@0', 't-0@1', 't-0@2', 't-0@3'],
      ['t-0@0', 't-0@1'],
      ['t-0@2', 't-0@3'],
    ]);
    expect(h.destination).toEqual([{ ids: ['t-0@2'], condition: 'RetryAttemptsExhausted' }]);
    const delivered = h.events.filter((e) => !isPoison(e)).flatMap(ids);
    expect(delivered.sort()).toEqual(['t-0@0', 't-0@1', 't-0@3']);
  });

  it('sends records older than MaximumRecordAgeInSeconds to the destination without invoking', async () => {
    const h = harness(
      { mode: 'provisioned', maximumRecordAgeInSeconds: 60, onFailureDestination: 'kafka://t.failed' },
      () => ok,
    );

    await h.queue.add(
      't-0',
      [...records('t', 0, 0, 1, Date.now() - 120_000), ...records('t', 0, 1, 1)],
      Date.now(),
    );

    expect(h.destination).toEqual([{ ids: ['t-0@0'], condition: 'RecordAgeExceeded' }]);
    expect(h.events.map(ids)).toEqual([['t-0@1']]);
  });

  it('keeps a batch under the payload limit', async () => {
    const h = harness({ batchSize: 10_000, maxPayloadBytes: 4_000 }, () => ok);

    await h.queue.add('t-0', records('t', 0, 0, 100), Date.now());

    const sizes = h.events.map((e) => Buffer.byteLength(JSON.stringify(e)));
    expect(h.events.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4_000);
    expect(h.events.flatMap(ids)).toHaveLength(100);
  });
});
