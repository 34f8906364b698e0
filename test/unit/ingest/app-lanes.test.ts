import { describe, expect, it } from 'vitest';
import type { Delivery } from '../../../lambdas/core/delivery.ts';
import { InMemoryMessageProducer } from '../../fakes/in-memory-message-producer.ts';
import { apiEvent, smsBody } from './support/api-event.ts';
import { fakeIngest, TOPIC } from './support/harness.ts';

const HIGH = 'herald.deliveries.high';

function laneIngest() {
  const producer = new InMemoryMessageProducer([TOPIC, HIGH]);
  return { producer, ingest: fakeIngest({ producer, highPriorityTopic: HIGH }) };
}

describe('POST /v1/messages lanes', () => {
  it('puts a priority: high request on the high-priority lane topic, every recipient', async () => {
    const { producer, ingest } = laneIngest();

    const response = await ingest.call(
      apiEvent({ body: { ...smsBody(['+821012345678', '+14155550100']), priority: 'high' } }),
    );

    expect(response.statusCode).toBe(202);
    expect(producer.records(HIGH).map((r) => r.key)).toEqual(['+821012345678', '+14155550100']);
    expect(producer.records(HIGH).map((r) => (JSON.parse(r.value) as Delivery).priority)).toEqual([
      'high',
      'high',
    ]);
    expect(producer.records(TOPIC)).toEqual([]);
  });

  it.each([
    ['an explicit priority: normal', { priority: 'normal' }],
    ['no priority', {}],
  ])('keeps %s on the deliveries topic', async (_name, extra) => {
    const { producer, ingest } = laneIngest();

    const response = await ingest.call(apiEvent({ body: { ...smsBody(['+821012345678']), ...extra } }));

    expect(response.statusCode).toBe(202);
    expect(producer.records(TOPIC)).toHaveLength(1);
    expect(producer.records(HIGH)).toEqual([]);
  });

  it('without a lane topic, puts priority: high on the deliveries topic', async () => {
    const ingest = fakeIngest();

    await ingest.call(apiEvent({ body: { ...smsBody(['+821012345678']), priority: 'high' } }));

    expect(ingest.records()).toHaveLength(1);
  });

  it('replays a keyed high-priority request without producing it again on either topic', async () => {
    const { producer, ingest } = laneIngest();
    const event = () =>
      apiEvent({
        body: { ...smsBody(['+821012345678']), priority: 'high' },
        headers: { 'idempotency-key': 'otp-1' },
      });

    await ingest.call(event());
    const replay = await ingest.call(event());

    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(producer.records(HIGH)).toHaveLength(1);
    expect(producer.records(TOPIC)).toEqual([]);
  });
});
