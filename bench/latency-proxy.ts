/**
 * A TCP proxy on 127.0.0.1 that holds every client→server chunk for `delayMs` before passing it on,
 * so a benchmark can see what a network round trip costs (loopback has almost none; Lambda to
 * ElastiCache in another zone has about a millisecond). Order is kept: chunks leave in arrival order.
 */

import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Socket } from 'node:net';

/** A running proxy. */
export interface LatencyProxy {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (host:port). */
export async function startLatencyProxy(
  target: { host: string; port: number },
  delayMs: number,
): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (chunk) => setTimeout(() => upstream.write(chunk), delayMs));
    upstream.on('data', (chunk) => client.write(chunk));
    client.on('end', () => setTimeout(() => upstream.end(), delayMs));
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
