/**
 * A local AWS Secrets Manager that answers GetSecretValue over its wire protocol (AWS JSON 1.1,
 * `X-Amz-Target: secretsmanager.GetSecretValue`), so the dispatch Lambda reads its vendors secret as
 * in AWS, the SDK pointed here by AWS_ENDPOINT_URL_SECRETS_MANAGER. Read-only; values come from
 * `secrets` at each request. Only signed requests are answered (the signature itself is not checked).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running fake: `url` is the endpoint to give the SDK. */
export interface SecretsManagerFake {
  readonly url: string;
  /** GetSecretValue calls answered so far (any outcome). */
  requestCount(): number;
  close(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

/** Starts the fake on 127.0.0.1 (`port` 0: a free one); `secrets` maps a secret ARN to its string value. */
export async function startSecretsManagerFake(options: {
  readonly secrets: () => Readonly<Record<string, string>>;
  readonly port?: number;
}): Promise<SecretsManagerFake> {
  let requests = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests += 1;
      const answer = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': JSON_11, 'x-amzn-requestid': randomUUID() });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, type: string, message: string) =>
        answer(status, { __type: type, message });
      if (!String(request.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        return error(400, 'MissingAuthenticationTokenException', 'Request is missing Authentication Token');
      }
      if (request.method !== 'POST' || request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return error(400, 'UnknownOperationException', 'Unknown operation');
      }
      let body: { SecretId?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown };
      } catch {
        return error(400, 'SerializationException', 'Malformed request body');
      }
      const id = typeof body.SecretId === 'string' ? body.SecretId : '';
      const value = options.secrets()[id];
      if (value === undefined) {
        return error(400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      const name = id.split(':')[6] ?? id;
      return answer(200, {
        ARN: id,
        Name: name,
        SecretString: value,
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1_000,
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requestCount: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
