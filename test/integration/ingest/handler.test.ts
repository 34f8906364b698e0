import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { createTestTopics, deleteTestTopics, testEngines, uniqueName } from '../../support/engines.ts';
import { apiEvent, lambdaContext, smsBody } from '../../unit/ingest/support/api-event.ts';
import { countRecords, readRecords } from './support/kafka-topic.ts';

const topic = uniqueName('herald-test-handler');
let handler: typeof import('../../../lambdas/ingest/handler.ts')['handler'];

beforeAll(async () => {
  await createTestTopics([topic], 2);
  vi.stubEnv('KAFKA_BROKERS', testEngines().kafkaBrokers.join(','));
  vi.stubEnv('REDIS_URL', testEngines().redisUrl);
  vi.stubEnv('HERALD_DELIVERIES_TOPIC', topic);
  vi.stubEnv('HERALD_KEY_PREFIX', `${uniqueName('herald-test-handler')}:`);
  vi.stubEnv('HERALD_AUTH_MODE', 'token');
  vi.stubEnv('HERALD_API_TOKENS', 'tok-it=integration-client,tok-other=other-client');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  ({ handler } = await import('../../../lambdas/ingest/handler.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await deleteTestTopics([topic]);
});

const call = async (event: ReturnType<typeof apiEvent>) => {
  const response = await handler(event, lambdaContext());
  return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
};

describe('ingest handler.ts (real wiring from env)', () => {
  it('accepts with a bearer token, produces to the configured topic and serves the status', async () => {
    const auth = { authorization: 'Bearer tok-it' };
    const accepted = await call(
      apiEvent({
        body: smsBody(['+821011112222', '+821033334444']),
        headers: { ...auth, 'idempotency-key': 'h-1' },
        principalArn: null,
      }),
    );
    const replay = await call(
      apiEvent({
        body: smsBody(['+821011112222', '+821033334444']),
        headers: { ...auth, 'idempotency-key': 'h-1' },
        principalArn: null,
      }),
    );
    const status = await call(
      apiEvent({
        method: 'GET',
        path: `/v1/messages/${accepted.json.requestId}`,
        headers: auth,
        principalArn: null,
      }),
    );
    const foreign = await call(
      apiEvent({
        method: 'GET',
        path: `/v1/messages/${accepted.json.requestId}`,
        headers: { authorization: 'Bearer tok-other' },
        principalArn: null,
      }),
    );

    expect(accepted.statusCode).toBe(202);
    expect(replay.headers?.['idempotent-replayed']).toBe('true');
    expect(status.statusCode).toBe(200);
    expect(foreign.statusCode).toBe(404);
    const records = await readRecords(topic, 2);
    expect(records.map((r) => (JSON.parse(r.value) as Delivery).clientId)).toEqual([
      'integration-client',
      'integration-client',
    ]);
  });

  it('answers 401 without a token and 400 for bad input, before touching Kafka', async () => {
    // Why count offsets: every record ever produced to the topic moves a high watermark, so a refused
    // request that still produced something shows up here however the other tests ran.
    const recordsBefore = await countRecords(topic);

    const unauthenticated = await call(apiEvent({ body: smsBody(), principalArn: null }));
    const bad = await call(
      apiEvent({ body: smsBody(['0101234']), headers: { authorization: 'Bearer tok-it' } }),
    );

    expect(unauthenticated.statusCode).toBe(401);
    expect(bad.statusCode).toBe(400);
    expect(bad.json.issues).toEqual([{ path: 'recipients[0]', message: expect.any(String) }]);
    expect(await countRecords(topic)).toBe(recordsBefore);
  });
});
