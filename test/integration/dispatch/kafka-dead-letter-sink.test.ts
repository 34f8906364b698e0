/** KafkaDeadLetterSink on the real Kafka broker: the DeadLetterSink contract, read back by a consumer. */
import { afterAll, beforeAll } from 'vitest';
import { KafkaDeadLetterSink } from '../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import { describeDeadLetterSinkContract } from '../../fakes/contracts/dead-letter-sink.contract.ts';
import { createTestTopics, deleteTestTopics, testKafka, uniqueName } from '../../support/engines.ts';
import { readDeadLetters } from './support/kafka-topics.ts';

const topics: string[] = [];
const sinks: KafkaDeadLetterSink[] = [];

beforeAll(async () => {
  topics.push(uniqueName('dlq-a'), uniqueName('dlq-b'));
  await createTestTopics(topics);
});
afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.disconnect()));
  await deleteTestTopics(topics);
});

let next = 0;
describeDeadLetterSinkContract('KafkaDeadLetterSink', async () => {
  const topic = topics[next++] as string;
  const sink = new KafkaDeadLetterSink(testKafka('herald-test-dlq').producer({ idempotent: true }), topic);
  sinks.push(sink);
  return { sink, read: (count) => readDeadLetters(topic, count) };
});
