/**
 * The fair ceiling for `scaling`: the same records moved from Kafka to the same mock vendor by a bare
 * kafkajs consumer with the same concurrency as Herald's mapping (one batch in flight per partition,
 * batches of 100 records, all 100 sends of a batch in flight at once over keep-alive HTTP), and nothing
 * else: no dedup, no status, no emulator, no Lambda process. What Herald's work costs is the gap.
 */
import { Agent, request } from 'node:http';
import type { Consumer, Kafka } from 'kafkajs';

/** A running bare consumer. */
export interface FairCeiling {
  stop(): Promise<void>;
}

const BATCH_SIZE = 100;

function post(agent: Agent, url: URL, body: string, deliveryId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      // As HttpVendor sends it: the deliveryId as the correlation key the vendor requires.
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'idempotency-key': deliveryId,
      },
    });
    req.on('response', (response) => {
      response.resume();
      response.on('end', () =>
        response.statusCode === 200 ? resolve() : reject(new Error(`vendor answered ${response.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Consumes `topic` with `partitions` partitions concurrently and sends every record to `vendorUrl`. */
export async function startFairCeiling(
  kafka: Kafka,
  topic: string,
  groupId: string,
  partitions: number,
  vendorUrl: string,
): Promise<FairCeiling> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });
  const url = new URL(vendorUrl);
  const consumer: Consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    partitionsConsumedConcurrently: partitions,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      for (let from = 0; from < batch.messages.length; from += BATCH_SIZE) {
        const slice = batch.messages.slice(from, from + BATCH_SIZE);
        await Promise.all(
          slice.map((message) => {
            const delivery = JSON.parse(String(message.value)) as Record<string, unknown>;
            const content = delivery.content as { body: string };
            return post(
              agent,
              url,
              JSON.stringify({
                deliveryId: delivery.deliveryId,
                requestId: delivery.requestId,
                channel: delivery.channel,
                to: delivery.recipient,
                body: content.body,
                priority: delivery.priority,
              }),
              String(delivery.deliveryId),
            );
          }),
        );
        resolveOffset((slice.at(-1) as { offset: string }).offset);
        await heartbeat();
      }
    },
  });
  await joined;
  return {
    async stop() {
      await consumer.disconnect();
      agent.destroy();
    },
  };
}
