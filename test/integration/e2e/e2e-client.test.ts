/**
 * The e2e client's retry rule, against a scripted HTTP server: it retries what a well-behaved caller
 * retries (503, 409) with the same Idempotency-Key, and returns a 500 at once, so an ingest bug
 * fails the e2e tests instead of hiding behind a retried 202.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sendMessage } from './support/e2e-runtime.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server answering POSTs with `statuses` in turn (the last repeats); records each key it got. */
async function scriptedApi(statuses: readonly number[]) {
  const keys: (string | undefined)[] = [];
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const status = statuses[Math.min(keys.length, statuses.length - 1)] as number;
      keys.push(request.headers['idempotency-key'] as string | undefined);
      response.writeHead(status, { 'content-type': 'application/json', 'retry-after': '0' });
      response.end(JSON.stringify(status === 202 ? { requestId: 'r-1' } : { error: 'x' }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys };
}

describe('e2e sendMessage', () => {
  it('returns a 500 at once, without retrying it', async () => {
    const api = await scriptedApi([500, 202]);

    const result = await sendMessage(api.url, ['+821012345678'], { idempotencyKey: 'k-500' });

    expect(result.status).toBe(500);
    expect(api.keys).toEqual(['k-500']);
  });

  it('retries 503 and 409 with the same Idempotency-Key until the answer is final', async () => {
    const api = await scriptedApi([503, 409, 202]);

    const result = await sendMessage(api.url, ['+821012345678'], { idempotencyKey: 'k-retry' });

    expect(result).toEqual({ status: 202, requestId: 'r-1', replayed: false });
    expect(api.keys).toEqual(['k-retry', 'k-retry', 'k-retry']);
  });
});
