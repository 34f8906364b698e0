/** The Secrets Manager readers both Lambdas use at cold start, on a fake client. */
import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import {
  fetchRedisPassword,
  readSecretString,
  type SecretsClientFactory,
} from '../../../lambdas/adapters/secrets.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:herald-redis-AbCdEf';

/** A client factory answering every read with `answer`, recording what it was asked. */
function fakeClients(answer: () => Promise<{ SecretString?: string }>) {
  const seen = { regions: [] as string[], secretIds: [] as unknown[], destroyed: 0 };
  const factory: SecretsClientFactory = (region) => {
    seen.regions.push(region);
    return {
      send: (command: GetSecretValueCommand) => {
        seen.secretIds.push(command.input.SecretId);
        return answer();
      },
      destroy: () => {
        seen.destroyed++;
      },
    };
  };
  return { factory, seen };
}

async function rejection(promise: Promise<unknown>): Promise<DependencyUnavailableError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof DependencyUnavailableError))
    throw new Error(`expected a DependencyUnavailableError`);
  return error;
}

describe('readSecretString', () => {
  it('reads the secret in its own region and closes the client', async () => {
    const { factory, seen } = fakeClients(async () => ({ SecretString: '{"channels":{}}' }));

    expect(await readSecretString(ARN, 'vendors', factory)).toBe('{"channels":{}}');

    expect(seen).toEqual({ regions: ['eu-west-1'], secretIds: [ARN], destroyed: 1 });
  });

  it('turns an SDK failure into DependencyUnavailableError naming the secret, with the cause', async () => {
    const sdkError = new Error('AccessDeniedException');
    const { factory, seen } = fakeClients(async () => Promise.reject(sdkError));

    const error = await rejection(readSecretString(ARN, 'vendors', factory));

    expect(error.dependency).toBe('secrets-manager');
    expect(error.message).toBe('could not read the vendors secret');
    expect(error.cause).toBe(sdkError);
    expect(seen.destroyed).toBe(1);
  });

  it('refuses a secret without a string value', async () => {
    const { factory } = fakeClients(async () => ({}));

    const error = await rejection(readSecretString(ARN, 'vendors', factory));

    expect((error.cause as Error).message).toBe('secret has no string value');
  });
});

describe('fetchRedisPassword', () => {
  it.each([
    ['a plain string', 's3cret-token', 's3cret-token'],
    ['JSON with password', '{"password":"from-password"}', 'from-password'],
    ['JSON with authToken', ' {"authToken":"from-auth-token"}', 'from-auth-token'],
  ])('reads %s', async (_name, secret, expected) => {
    const { factory } = fakeClients(async () => ({ SecretString: secret }));

    expect(await fetchRedisPassword(ARN, factory)).toBe(expected);
  });

  it.each([
    ['JSON without a password', '{"username":"herald"}', /no password or authToken/],
    ['a non-string password', '{"password":42}', /no password or authToken/],
    ['broken JSON', '{"password":"hunter2"', /not valid JSON/],
  ])('refuses %s without echoing it', async (_name, secret, message) => {
    const { factory } = fakeClients(async () => ({ SecretString: secret }));

    const error = await rejection(fetchRedisPassword(ARN, factory));

    expect(error.message).toMatch(message);
    expect(JSON.stringify([error.message, String(error.cause)])).not.toContain('hunter2');
  });

  it('fails as unavailable when the secret cannot be read', async () => {
    const { factory } = fakeClients(async () => Promise.reject(new Error('timeout')));

    const error = await rejection(fetchRedisPassword(ARN, factory));

    expect(error.message).toBe('could not read the Redis AUTH secret');
  });
});
