/** The in-memory fake passes the same DeadLetterSink contract as KafkaDeadLetterSink. */
import { describeDeadLetterSinkContract } from '../../fakes/contracts/dead-letter-sink.contract.ts';
import { InMemoryDeadLetterSink } from '../../fakes/in-memory-dead-letter-sink.ts';

describeDeadLetterSinkContract('InMemoryDeadLetterSink', async () => {
  const sink = new InMemoryDeadLetterSink();
  return { sink, read: async () => [...sink.letters] };
});
