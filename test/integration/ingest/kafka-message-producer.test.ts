import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../lambdas/adapters/kafka-client.ts';
import { KafkaMessageProducer } from '../../../lambdas/adapters/kafka-message-producer.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { describeMessageProducerContract } from '../../fakes/contracts/message-producer.contract.ts';
import { createTestTopics, deleteTestTopics, testEngines, uniqueName } from '../../support/engines.ts';
import { closedPort } from './support/closed-port.ts';
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
  it('rejects with DependencyUnavailableError within its timeout when no broker answers', async () => {
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
