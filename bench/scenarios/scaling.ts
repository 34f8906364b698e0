/**
 * `scaling`: deliveries/s through the local runtime at 1, 3, 6 and 12 partitions, vendors at 20 ms,
 * same run: a load of Herald's records is put on the deliveries topic and timed until the vendors
 * have accepted every one. Beside each point, the fair ceiling (bench/scenarios/fair-ceiling.ts: a
 * bare kafkajs consumer moving the same records to the same vendor with the same concurrency) and,
 * once, the bare Kafka produce→consume rate. Rounds alternate Herald and the fair ceiling.
 */
import { randomUUID } from 'node:crypto';
import { median, perSecond, round } from '../harness.ts';
import { startBenchRuntime } from './bench-runtime.ts';
import { startFairCeiling } from './fair-ceiling.ts';
import { startKafkaCeiling } from './kafka-ceiling.ts';
import type { ScenarioContext } from './scenario.ts';
import { VendorLogFollower } from './vendor-log.ts';

const VENDOR_LATENCY_MS = 20;
const PARTITION_COUNTS = [1, 3, 6, 12] as const;
/** The point the headline ratios are taken at: the dev stage's partition count. */
export const HEADLINE_PARTITIONS = 6;

/** One partition count. */
export interface ScalingPoint {
  readonly partitions: number;
  readonly herald: { readonly deliveriesPerSec: number; readonly samples: number[] };
  readonly fairCeiling: { readonly deliveriesPerSec: number; readonly samples: number[] };
  /** herald ÷ fair ceiling */
  readonly heraldToFair: number;
  /** herald ÷ bare Kafka produce→consume */
  readonly heraldToKafka: number;
}

/** The `scaling` result. */
export interface ScalingResult {
  readonly vendorLatencyMs: number;
  readonly deliveriesPerRound: number;
  readonly points: ScalingPoint[];
  readonly kafkaCeiling: { readonly recordsPerSec: number; readonly samples: number[] };
  /** At HEADLINE_PARTITIONS: Herald ÷ fair ceiling (target ≥ 0.7). */
  readonly heraldToFair: number;
  /** At HEADLINE_PARTITIONS: Herald ÷ bare Kafka. */
  readonly heraldToKafka: number;
  /** Herald at 1 partition: one partition's throughput (the planner's per-partition figure). */
  readonly perPartitionDeliveriesPerSec: number;
}

/** Rounds per side at each point (capped: four runtimes in one run). */
function roundsOf(rounds: number): number {
  return Math.min(rounds, 2);
}

/** Steps this scenario reports to the progress bar. */
export function scalingSteps(rounds: number): number {
  return PARTITION_COUNTS.length * (2 * roundsOf(rounds) + 1);
}

/** Runs the scenario. */
export async function runScaling(ctx: ScenarioContext): Promise<ScalingResult> {
  const deliveries = ctx.isQuick ? 1_000 : 10_000;
  const rounds = roundsOf(ctx.rounds);
  const points: ScalingPoint[] = [];
  const kafkaSamples: number[] = [];
  for (const partitions of PARTITION_COUNTS) {
    const id = randomUUID().slice(0, 8);
    const fairTopic = `herald-bench-fair-${id}`;
    const ceilingTopic = `herald-bench-ceiling-${id}`;
    const bench = await startBenchRuntime(
      ctx.engines,
      `scaling-p${partitions}`,
      partitions,
      VENDOR_LATENCY_MS,
      [
        { name: fairTopic, partitions },
        { name: ceilingTopic, partitions: HEADLINE_PARTITIONS },
      ],
    );
    const stops: Array<() => Promise<void>> = [];
    try {
      const smsA = bench.runtime.vendors.find((vendor) => vendor.name === 'sms-a');
      if (!smsA) throw new Error('the runtime runs no sms-a vendor');
      const fair = await startFairCeiling(
        bench.kafka,
        fairTopic,
        `herald-bench-fair-${id}`,
        partitions,
        smsA.url,
      );
      stops.push(() => fair.stop());
      const log = new VendorLogFollower(bench.vendorLogPath);
      const admin = bench.kafka.admin();
      await admin.connect();
      stops.push(() => admin.disconnect());
      /** Whether the dispatcher's group has committed every record of `topic`. */
      const isDrained = async (topic: string) => {
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId: bench.runtime.consumerGroupId, topics: [topic] }),
        ]);
        const done = new Map(
          (committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)] as const),
        );
        return ends.every((end) => (done.get(end.partition) ?? -1) >= Number(end.high));
      };
      const measure = async (topic: string, count: number) => {
        const started = performance.now();
        const ids = await bench.produce(topic, count);
        // Why the group's offsets too, for Herald: a call an invocation timeout cut off is held as
        // maybe-sent and may never reach the vendor, so the log alone can stay short of `count`.
        const isHerald = topic === bench.deliveriesTopic;
        const deadline = Date.now() + 600_000;
        while (log.poll(ids).deliveries < count) {
          if (isHerald && (await isDrained(topic))) break;
          if (Date.now() > deadline) throw new Error(`timed out waiting for deliveries via ${topic}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return perSecond(count, performance.now() - started);
      };
      // Cold starts (one execution environment per partition in flight) and group assignment, twice so
      // every partition has had a batch of its own before the measured rounds.
      for (let i = 0; i < 2; i++) {
        await measure(bench.deliveriesTopic, Math.max(200, partitions * 200));
        await measure(fairTopic, Math.max(200, partitions * 200));
      }
      ctx.step(`scaling: ${partitions} partitions warm`);
      const samples = { herald: [] as number[], fair: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (['herald', 'fair'] as const) : (['fair', 'herald'] as const);
        for (const side of order) {
          samples[side].push(
            await measure(side === 'herald' ? bench.deliveriesTopic : fairTopic, deliveries),
          );
          ctx.step(`scaling: ${partitions} partitions round ${r + 1}/${rounds} ${side} done`);
        }
      }
      if (partitions === HEADLINE_PARTITIONS) {
        const ceiling = await startKafkaCeiling(bench.kafka, ceilingTopic);
        stops.push(() => ceiling.stop());
        await ceiling.measure(1_000, 8);
        for (let r = 0; r < rounds; r++) kafkaSamples.push(await ceiling.measure(deliveries, 8));
      }
      const herald = median(samples.herald);
      const fairRate = median(samples.fair);
      points.push({
        partitions,
        herald: { deliveriesPerSec: round(herald, 0), samples: samples.herald.map((s) => round(s, 0)) },
        fairCeiling: { deliveriesPerSec: round(fairRate, 0), samples: samples.fair.map((s) => round(s, 0)) },
        heraldToFair: round(herald / fairRate, 3),
        heraldToKafka: 0,
      });
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      await bench.stop();
    }
  }
  const kafkaRate = median(kafkaSamples);
  const withKafka = points.map((p) => ({
    ...p,
    heraldToKafka: round(p.herald.deliveriesPerSec / kafkaRate, 3),
  }));
  const headline = withKafka.find((p) => p.partitions === HEADLINE_PARTITIONS) as ScalingPoint;
  const single = withKafka.find((p) => p.partitions === 1) as ScalingPoint;
  return {
    vendorLatencyMs: VENDOR_LATENCY_MS,
    deliveriesPerRound: deliveries,
    points: withKafka,
    kafkaCeiling: { recordsPerSec: round(kafkaRate, 0), samples: kafkaSamples.map((s) => round(s, 0)) },
    heraldToFair: headline.heraldToFair,
    heraldToKafka: headline.heraldToKafka,
    perPartitionDeliveriesPerSec: single.herald.deliveriesPerSec,
  };
}
