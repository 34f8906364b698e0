/**
 * How many records per second one ingest process accepts with 100-recipient requests against the
 * local broker: the real handler.ts wiring (Kafka acks=all, Redis idempotency + statuses), driven
 * with API Gateway v2 events built from the committed AWS sample. Prints figures; asserts nothing
 * except that every accepted record really is on the topic.
 *
 *   node cli/herald.mjs infra up
 *   node bench/ingest-throughput.ts [--requests 300] [--concurrency 1,4,16] [--warmup 20] [--keyed true]
 *
 * Concurrency 1 is one Lambda container (one invocation at a time); higher values are one process
 * serving concurrent calls (local runtime). There the shared Powertools Metrics instance flushes
 * other calls' metrics and warns "No application metrics to publish" on stderr: add 2>/dev/null.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { engineStatus } from '../local/infra/engines.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '300' },
    concurrency: { type: 'string', default: '1,4,16' },
    warmup: { type: 'string', default: '20' },
    keyed: { type: 'string', default: 'true' },
    partitions: { type: 'string', default: '6' },
  },
});
const requestsPerRun = Number(args.requests);
const concurrencies = args.concurrency.split(',').map(Number);
const isKeyed = args.keyed === 'true';
const RECIPIENTS = 100;

const status = await engineStatus();
if (!status.kafka.isHealthy || !status.redis.isHealthy || !status.kafka.endpoint || !status.redis.endpoint) {
  console.error('engines are not up: run `node cli/herald.mjs infra up` first');
  process.exit(1);
}
const brokers = status.kafka.endpoint.split(',');
const topic = `herald-bench-${Date.now().toString(36)}`;
const kafka = new Kafka({ clientId: 'herald-bench', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: [{ topic, numPartitions: Number(args.partitions), replicationFactor: 1 }],
});

Object.assign(process.env, {
  KAFKA_BROKERS: brokers.join(','),
  REDIS_URL: status.redis.endpoint,
  HERALD_DELIVERIES_TOPIC: topic,
  HERALD_KEY_PREFIX: `${topic}:`,
  HERALD_AUTH_MODE: 'token',
  HERALD_API_TOKENS: 'bench-token=bench-client',
  POWERTOOLS_LOG_LEVEL: 'WARN',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
const { handler } = await import('../lambdas/ingest/handler.ts');

const sample = JSON.parse(
  readFileSync(new URL('../test/fixtures/apigw-v2-event.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;
let sequence = 0;

function sendEvent(): APIGatewayProxyEventV2 {
  sequence += 1;
  const recipients = Array.from(
    { length: RECIPIENTS },
    (_, i) => `+8210${String(sequence * RECIPIENTS + i).padStart(8, '0')}`,
  );
  const body = JSON.stringify({ channel: 'sms', recipients, content: { body: `Bench message ${sequence}` } });
  const event = structuredClone(sample);
  event.requestContext.requestId = randomBytes(10).toString('base64');
  event.body = body;
  event.headers = {
    ...event.headers,
    authorization: 'Bearer bench-token',
    'content-length': String(Buffer.byteLength(body)),
    ...(isKeyed ? { 'idempotency-key': `bench-${sequence}` } : {}),
  };
  return event;
}

const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as never;

async function run(count: number, concurrency: number): Promise<{ seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const t0 = performance.now();
        const response = await handler(sendEvent(), context);
        latenciesMs.push(performance.now() - t0);
        if (response.statusCode !== 202)
          throw new Error(`unexpected ${response.statusCode}: ${response.body}`);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, latenciesMs };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

console.log(
  `ingest throughput: ${RECIPIENTS} recipients/request, keyed=${isKeyed}, topic ${topic} (${args.partitions} partitions)`,
);
console.log(`node ${process.version}, brokers ${brokers.join(',')}, redis ${status.redis.endpoint}`);
await run(Number(args.warmup), 1);
let produced = Number(args.warmup) * RECIPIENTS;
for (const concurrency of concurrencies) {
  const { seconds, latenciesMs } = await run(requestsPerRun, concurrency);
  produced += requestsPerRun * RECIPIENTS;
  const sorted = latenciesMs.sort((a, b) => a - b);
  console.log(
    `concurrency ${String(concurrency).padStart(2)}: ${(requestsPerRun / seconds).toFixed(1)} requests/s, ` +
      `${Math.round((requestsPerRun * RECIPIENTS) / seconds)} records/s; latency ms p50 ${percentile(sorted, 50).toFixed(1)} ` +
      `p95 ${percentile(sorted, 95).toFixed(1)} p99 ${percentile(sorted, 99).toFixed(1)}`,
  );
}

const offsets = await admin.fetchTopicOffsets(topic);
const onTopic = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
console.log(`records on topic: ${onTopic} (expected ${produced})${onTopic === produced ? '' : '  MISMATCH'}`);
await admin.deleteTopics({ topics: [topic] });
await admin.disconnect();
process.exit(onTopic === produced ? 0 : 1);
