import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../lambdas/adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../../../lambdas/adapters/kafka-message-producer.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { describeMessageProducerContract } from '../../fakes/contracts/message-producer.contract.ts';
import { createTestTopics, deleteTestTopics, testEngines, uniqueName } from '../../support/engines.ts';
import { closedPort, silentBroker } from './support/closed-port.ts';
import { readRecords } from './support/kafka-topic.ts';

const topics: string[] = [];

afterAll(async () => {
  if (topics.length > 0) await deleteTestTopics(topics);
});

describeMessageProducerContract('KafkaMessageProducer (real broker)', async () => {
  const topic = uniqueName('herald-test-producer');
  topics.push(topic);
  await createTestTopics([topic], 3);
  const kafka = await createKafka({
    clientId: 'herald-test',
    brokers: testEngines().kafkaBrokers,
    auth: 'none',
    timeoutMs: 5_000,
  });
  return {
    producer: new KafkaMessageProducer({ kafka, timeoutMs: 5_000 }),
    topic,
    missingTopic: uniqueName('herald-test-missing'),
    readBack: (count) => readRecords(topic, count),
  };
});

describe('KafkaMessageProducer', () => {
  it('rejects with DependencyUnavailableError when the broker refuses connections', async () => {
    const port = await closedPort();
    const kafka = await createKafka({
      clientId: 'herald-test',
      brokers: [`127.0.0.1:${port}`],
      auth: 'none',
      timeoutMs: 1_500,
    });
    const producer = new KafkaMessageProducer({ kafka, timeoutMs: 1_500 });
    const record = { key: 'k', value: '{}', headers: {} };

    const error = await producer.send('any-topic', [record]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).dependency).toBe('kafka');
    await producer.close();
  });

  it('rejects with DependencyUnavailableError within its timeout when a broker accepts but never answers', async () => {
    // Prepare: the client alone would wait 60 s for each request to the silent broker; only the
    // producer's own 1.5 s timeout can end the send well before that.
    const silent = await silentBroker();
    const kafka = await createKafka({
      clientId: 'herald-test',
      brokers: [`127.0.0.1:${silent.port}`],
      auth: 'none',
      timeoutMs: 60_000,
    });
    const producer = new KafkaMessageProducer({ kafka, timeoutMs: 1_500 });
    const startedAt = performance.now();

    const error = await producer.send('any-topic', [{ key: 'k', value: '{}', headers: {} }]).catch((e) => e);

    // Assess: the producer's timeout is what stopped it (its cause says so), long before the client's
    // own 60 s. The 30 s bound is loose on purpose: this checks the mechanism, not speed.
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(((error as Error).cause as Error).message).toBe('no acknowledgement within 1500 ms');
    expect(performance.now() - startedAt).toBeLessThan(30_000);
    expect(silent.connections()).toBeGreaterThan(0);
    await producer.close();
    await silent.close();
  }, 45_000);

  it('recovers on the next send once the Kafka client can be built', async () => {
    const topic = uniqueName('herald-test-recover');
    topics.push(topic);
    await createTestTopics([topic], 1);
    let attempts = 0;
    const producer = new KafkaMessageProducer({
      kafka: async () => {
        attempts += 1;
        if (attempts === 1)
          throw new DependencyUnavailableError('kafka', 'simulated: MSK broker discovery failed');
        return createKafka({
          clientId: 'herald-test',
          brokers: testEngines().kafkaBrokers,
          auth: 'none',
          timeoutMs: 5_000,
        });
      },
      timeoutMs: 5_000,
    });
    const record = { key: 'k', value: '{"n":1}', headers: { h: 'v' } };

    await expect(producer.send(topic, [record])).rejects.toBeInstanceOf(DependencyUnavailableError);
    await producer.send(topic, [record]);

    expect(await readRecords(topic, 1)).toEqual([record]);
    await producer.close();
  });
});
