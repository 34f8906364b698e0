/**
 * KafkaDeadLetterSink on the real Kafka broker: the DeadLetterSink contract, read back by a consumer;
 * failure when the broker cannot be reached or never answers; recovery once it can be reached; and
 * the publish deadline that bounds how long a publish can block.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaDeadLetterSink } from '../../../lambdas/adapters/kafka-dead-letter-sink.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import type { DeadLetter } from '../../../lambdas/ports/dead-letter-sink.ts';
import { describeDeadLetterSinkContract } from '../../fakes/contracts/dead-letter-sink.contract.ts';
import {
  createTestTopics,
  deleteTestTopics,
  testEngines,
  testKafka,
  uniqueName,
} from '../../support/engines.ts';
import { closedPort, silentBroker } from '../ingest/support/closed-port.ts';
import { readDeadLetters } from './support/kafka-topics.ts';

const topics: string[] = [];
const sinks: KafkaDeadLetterSink[] = [];

beforeAll(async () => {
  topics.push(uniqueName('dlq-a'), uniqueName('dlq-b'), uniqueName('dlq-reconnect'));
  await createTestTopics(topics);
});
afterAll(async () => {
  await Promise.all(sinks.map((sink) => sink.disconnect().catch(() => undefined)));
  await deleteTestTopics(topics);
});

let next = 0;
describeDeadLetterSinkContract('KafkaDeadLetterSink', async () => {
  const topic = topics[next++] as string;
  const sink = new KafkaDeadLetterSink(testKafka('herald-test-dlq').producer({ idempotent: true }), topic);
  sinks.push(sink);
  return { sink, read: (count) => readDeadLetters(topic, count) };
});

const letter = (reason: string): DeadLetter => ({
  source: { topic: 'herald.deliveries', partition: 0, offset: 3 },
  value: Buffer.from('poison'),
  headers: [],
  reason,
});

/**
 * A sink whose client bootstraps from `port` and would retry for minutes on its own (30 retries,
 * up to 30 s apart), so only the sink's deadline can end a publish early.
 */
function sinkAt(port: number, topic: string, timeoutMs?: number): KafkaDeadLetterSink {
  const kafka = new Kafka({
    clientId: 'herald-test-dlq-failure',
    brokers: [`127.0.0.1:${port}`],
    logLevel: logLevel.NOTHING,
    retry: { retries: 30, initialRetryTime: 1_000, maxRetryTime: 30_000 },
  });
  const sink = new KafkaDeadLetterSink(
    kafka.producer({ idempotent: true }),
    topic,
    timeoutMs === undefined ? {} : { timeoutMs },
  );
  sinks.push(sink);
  return sink;
}

/** Publishes and returns the rejection (or fails the test if the publish succeeds). */
async function rejectionOf(sink: KafkaDeadLetterSink): Promise<DependencyUnavailableError> {
  const error = await sink.publish([letter('never lands')]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DependencyUnavailableError);
  return error as DependencyUnavailableError;
}

describe('KafkaDeadLetterSink failures', () => {
  it('rejects with DependencyUnavailableError by its deadline when the broker refuses connections', async () => {
    const sink = sinkAt(await closedPort(), 'any-topic', 1_000);
    const startedAt = performance.now();

    const error = await rejectionOf(sink);

    // The deadline is what ended it (its cause says so), not kafkajs giving up; the bound is loose
    // on purpose (mechanism, not speed): the client alone would keep retrying for minutes.
    expect(error.dependency).toBe('kafka');
    expect((error.cause as Error).message).toBe('no acknowledgement within 1000 ms');
    expect(performance.now() - startedAt).toBeLessThan(30_000);
  });

  it('rejects by its deadline when the broker accepts connections and never answers', async () => {
    const silent = await silentBroker();
    try {
      const error = await rejectionOf(sinkAt(silent.port, 'any-topic', 1_000));

      expect((error.cause as Error).message).toBe('no acknowledgement within 1000 ms');
      expect(silent.connections()).toBeGreaterThan(0);
    } finally {
      await silent.close();
    }
  });

  it('blocks a publish for at most 5 s by default, well inside a dispatch invocation', async () => {
    const startedAt = performance.now();

    const error = await rejectionOf(sinkAt(await closedPort(), 'any-topic'));

    expect((error.cause as Error).message).toBe('no acknowledgement within 5000 ms');
    expect(performance.now() - startedAt).toBeLessThan(30_000);
  }, 45_000);

  it('publishes on the next call once the broker can be reached again, and loses nothing', async () => {
    // The bootstrap address is a forwarder to the real broker that starts closed: "broker down",
    // then "broker back" without touching the shared broker.
    const topic = topics[2] as string;
    const forwarder = await closedForwarder(testEngines().kafkaBrokers[0] as string);
    const sink = sinkAt(forwarder.port, topic, 2_000);
    try {
      await rejectionOf(sink);
      await forwarder.open();

      await sink.publish([letter('after reconnect')]);

      expect((await readDeadLetters(topic, 1)).map((l) => l.reason)).toEqual(['after reconnect']);
    } finally {
      await sink.disconnect().catch(() => undefined);
      await forwarder.close();
    }
  });
});

/** A TCP forwarder to `target` ("host:port") on a port that refuses connections until `open()`. */
async function closedForwarder(target: string) {
  const [host, port] = target.split(':') as [string, string];
  const listenPort = await closedPort();
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let server: Server | undefined;
  return {
    port: listenPort,
    open: async () => {
      server = createServer((client) => {
        const upstream = tcpConnect(Number(port), host);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server?.listen(listenPort, '127.0.0.1', resolve));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
}
