/**
 * `eos`: the original design's Kafka exactly-once producing against Herald's. Transactional kafkajs
 * producer (idempotent, one transaction per 100-record request, commit) against Herald's
 * KafkaMessageProducer (acks=all, at-least-once; dispatch dedups), same broker, same records.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaMessageProducer } from '../../lambdas/adapters/kafka-message-producer.ts';
import { alternate, median, perSecond, round } from '../harness.ts';
import { requestRecords } from './records.ts';
import type { ScenarioContext } from './scenario.ts';

/** Figures of one side. */
export interface EosSide {
  readonly recordsPerSec: number;
  readonly samplesRecordsPerSec: number[];
}

/** The `eos` result. */
export interface EosResult {
  readonly recordsPerRequest: number;
  readonly requestsPerRound: number;
  readonly transactional: EosSide;
  readonly atLeastOnce: EosSide;
  /** atLeastOnce.recordsPerSec ÷ transactional.recordsPerSec */
  readonly ratio: number;
}

/** Steps this scenario reports to the progress bar. */
export function eosSteps(rounds: number): number {
  return rounds * 2 + 1;
}

/** Runs the scenario. */
export async function runEos(ctx: ScenarioContext): Promise<EosResult> {
  const requests = ctx.isQuick ? 5 : 100;
  const kafka = new Kafka({
    clientId: 'herald-bench-eos',
    brokers: [...ctx.engines.kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const topic = `herald-bench-eos-${randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic, numPartitions: 6, replicationFactor: 1 }],
  });
  const herald = new KafkaMessageProducer({ kafka, timeoutMs: 30_000 });
  const transactional = kafka.producer({
    transactionalId: `herald-bench-${randomUUID()}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await transactional.connect();
  try {
    // Warm-up: connections, metadata and the transactional producer id, outside the measured rounds.
    await herald.send(topic, requestRecords());
    const warm = await transactional.transaction();
    await warm.send({ topic, acks: -1, messages: requestRecords() });
    await warm.commit();
    ctx.step('eos: producers connected');
    const timed = (sendOne: () => Promise<void>) => async () => {
      const started = performance.now();
      for (let i = 0; i < requests; i++) await sendOne();
      return perSecond(requests * 100, performance.now() - started);
    };
    const samples = await alternate(
      ctx.rounds,
      timed(() => herald.send(topic, requestRecords())),
      timed(async () => {
        const txn = await transactional.transaction();
        try {
          await txn.send({
            topic,
            acks: -1,
            messages: requestRecords().map((r) => ({ ...r, headers: { ...r.headers } })),
          });
          await txn.commit();
        } catch (error) {
          await txn.abort().catch(() => undefined);
          throw error;
        }
      }),
      (label) =>
        ctx.step(`eos ${label.replace('herald', 'atLeastOnce').replace('baseline', 'transactional')}`),
    );
    const side = (values: number[]): EosSide => ({
      recordsPerSec: round(median(values), 0),
      samplesRecordsPerSec: values.map((v) => round(v, 0)),
    });
    return {
      recordsPerRequest: 100,
      requestsPerRound: requests,
      transactional: side(samples.baseline),
      atLeastOnce: side(samples.herald),
      ratio: round(median(samples.herald) / median(samples.baseline), 2),
    };
  } finally {
    await transactional.disconnect().catch(() => undefined);
    await herald.close();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
