import { describeIdempotencyStoreContract } from '../../fakes/contracts/idempotency-store.contract.ts';
import { describeMessageProducerContract } from '../../fakes/contracts/message-producer.contract.ts';
import { describeStatusStoreContract } from '../../fakes/contracts/status-store.contract.ts';
import { InMemoryIdempotencyStore } from '../../fakes/in-memory-idempotency-store.ts';
import { InMemoryMessageProducer } from '../../fakes/in-memory-message-producer.ts';
import { InMemoryStatusStore } from '../../fakes/in-memory-status-store.ts';

describeIdempotencyStoreContract(
  'InMemoryIdempotencyStore',
  async (options) => new InMemoryIdempotencyStore(options),
);
describeStatusStoreContract('InMemoryStatusStore', async (options) => new InMemoryStatusStore(options), {
  // A restarted dispatcher reads the same store: the statuses live in Redis, not in the process.
  reopen: async (store) => store,
  breakStore: async (store) => {
    (store as InMemoryStatusStore).isUnavailable = true;
  },
});
describeMessageProducerContract('InMemoryMessageProducer', async () => {
  const producer = new InMemoryMessageProducer(['deliveries']);
  return {
    producer,
    topic: 'deliveries',
    missingTopic: 'no-such-topic',
    readBack: async () => producer.records('deliveries'),
  };
});
