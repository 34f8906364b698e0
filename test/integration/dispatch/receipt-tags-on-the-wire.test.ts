/**
 * What the SES and End User Messaging SMS adapters put on the wire for receipts: the deliveryId,
 * requestId and base64url clientId (`receiptTagsFor`) in SES `EmailTags` / EUM `Context`, read back by
 * the receipts Lambda with `readReceiptTags`. A bare HTTP server captures the official clients' bodies.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EumSmsVendor } from '../../../lambdas/adapters/eum-sms-vendor.ts';
import { SesVendor } from '../../../lambdas/adapters/ses-vendor.ts';
import { readReceiptTags } from '../../../lambdas/core/receipt-tags.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';

const credentials = { accessKeyId: 'AKIDHERALDTEST', secretAccessKey: 'test-secret' };
const CLIENT_ID = 'arn:aws:iam::123456789012:role/checkout-service';

async function capturingServer(answer: string): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, bodies };
}

describe('receipt tags on the wire', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('puts deliveryId, requestId and clientId in the SendTextMessage Context', async () => {
    const captured = await capturingServer('{"MessageId":"m-1"}');
    server = captured.server;
    const vendor = new EumSmsVendor({
      name: 'eum-a',
      region: 'ap-northeast-2',
      endpoint: captured.url,
      originationIdentity: 'pool-herald-test',
      messageType: 'TRANSACTIONAL',
      timeoutMs: 2_000,
      credentials,
    });
    const message = vendorMessage({ clientId: CLIENT_ID });

    const outcome = await vendor.send(message);
    vendor.destroy();

    expect(outcome.kind).toBe('accepted');
    const { Context } = captured.bodies[0] as { Context: Record<string, string> };
    expect(readReceiptTags(Context)).toEqual({
      ok: true,
      ids: { deliveryId: message.deliveryId, requestId: message.requestId, clientId: CLIENT_ID },
    });
  });

  it('puts deliveryId, requestId and clientId in the SendEmail EmailTags, each a valid SES tag value', async () => {
    const captured = await capturingServer('{"MessageId":"m-2"}');
    server = captured.server;
    const vendor = new SesVendor({
      name: 'ses-a',
      region: 'eu-west-1',
      endpoint: captured.url,
      fromEmailAddress: 'noreply@herald.example.com',
      timeoutMs: 2_000,
      credentials,
    });
    const message = vendorMessage({ channel: 'email', to: 'user@example.com', clientId: CLIENT_ID });

    const outcome = await vendor.send(message);
    vendor.destroy();

    expect(outcome.kind).toBe('accepted');
    const { EmailTags } = captured.bodies[0] as { EmailTags: { Name: string; Value: string }[] };
    // SES allows only letters, digits, _ and - in tag values; an IAM ARN has ':' and '/'.
    for (const tag of EmailTags) expect(tag.Value).toMatch(/^[A-Za-z0-9_-]+$/);
    const asSesEvent = Object.fromEntries(EmailTags.map((tag) => [tag.Name, [tag.Value]]));
    expect(readReceiptTags(asSesEvent)).toEqual({
      ok: true,
      ids: { deliveryId: message.deliveryId, requestId: message.requestId, clientId: CLIENT_ID },
    });
  });
});
