/**
 * PutEvents over HTTP, so a provider fake in another process (or the AWS SDK's EventBridgeClient with
 * an endpoint override) can put events on the local bus: `POST /` with
 * `X-Amz-Target: AWSEvents.PutEvents`, `Content-Type: application/x-amz-json-1.1`, body
 * `{"Entries":[{"Source","DetailType","Detail","Resources?","Time?"}]}`; the answer is the API's
 * `{"FailedEntryCount","Entries":[{"EventId"}|{"ErrorCode","ErrorMessage"}]}`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LocalEventBus, PutEventsEntry } from './event-bus.ts';

/** A running PutEvents endpoint. */
export interface EventBusServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_ENTRIES = 10;

/** Serves PutEvents for `bus` on 127.0.0.1 (`port` 0 picks a free one). */
export async function startEventBusServer(bus: LocalEventBus, port = 0): Promise<EventBusServer> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || request.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        return answer(400, { __type: 'UnknownOperationException', message: 'only AWSEvents.PutEvents' });
      }
      let entries: PutEventsEntry[];
      try {
        entries = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries: PutEventsEntry[] })
          .Entries;
        if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) throw new Error();
      } catch {
        return answer(400, {
          __type: 'ValidationException',
          message: `Entries must hold 1..${MAX_ENTRIES} entries`,
        });
      }
      answer(200, bus.putEvents(entries));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
