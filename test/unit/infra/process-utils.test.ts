import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readLocalEnv } from '../../../local/infra/local-env.ts';
import { assertPortFree, findFreePort, isAlive } from '../../../local/infra/process-utils.ts';

describe('assertPortFree', () => {
  it('names the port when something already listens on it', async () => {
    // Prepare
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };

    // Act
    const attempt = assertPortFree(port, 'kafka');

    // Assess
    await expect(attempt).rejects.toThrow(`kafka: port ${port} on 127.0.0.1 is already in use`);
    server.close();
  });

  it('accepts a free port', async () => {
    // Prepare
    const port = await findFreePort();

    // Act + Assess
    await expect(assertPortFree(port, 'redis')).resolves.toBeUndefined();
  });
});

describe('isAlive', () => {
  it('tells a live process from a gone one', () => {
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(2 ** 22 + 17)).toBe(false);
  });
});

describe('readLocalEnv', () => {
  it('reads ports and rejects a nonsense one', () => {
    expect(readLocalEnv({ HERALD_KAFKA_PORT: '29092' }).kafkaPort).toBe(29_092);
    expect(readLocalEnv({}).kafkaPort).toBe(19_092);
    expect(() => readLocalEnv({ HERALD_KAFKA_PORT: 'ninety' })).toThrow(
      'HERALD_KAFKA_PORT must be a port number',
    );
  });
});
