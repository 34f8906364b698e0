import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SecretsManagerFake,
  startSecretsManagerFake,
} from '../../../local/providers/secrets-manager-fake.ts';

const ARN = 'arn:aws:secretsmanager:ap-northeast-2:000000000000:secret:herald-test-AbCdEf';
let fake: SecretsManagerFake;
let value = '{"channels":{}}';

beforeAll(async () => {
  fake = await startSecretsManagerFake({ secrets: () => ({ [ARN]: value }) });
});

afterAll(async () => {
  await fake?.close();
});

const client = () =>
  new SecretsManagerClient({
    region: 'ap-northeast-2',
    endpoint: fake.url,
    credentials: { accessKeyId: 'ASIATEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });

describe('the local Secrets Manager', () => {
  it('answers the official client with the current value of a secret', async () => {
    const sdk = client();
    const first = await sdk.send(new GetSecretValueCommand({ SecretId: ARN }));
    value = '{"channels":{"sms":{}}}';
    const second = await sdk.send(new GetSecretValueCommand({ SecretId: ARN }));
    sdk.destroy();

    expect(first).toMatchObject({ ARN, Name: 'herald-test-AbCdEf', SecretString: '{"channels":{}}' });
    expect(second.SecretString).toBe('{"channels":{"sms":{}}}');
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    const sdk = client();
    const error = await sdk.send(new GetSecretValueCommand({ SecretId: `${ARN}x` })).catch((e: unknown) => e);
    sdk.destroy();

    expect((error as Error).name).toBe('ResourceNotFoundException');
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(fake.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'secretsmanager.GetSecretValue',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ SecretId: ARN }),
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });
});
