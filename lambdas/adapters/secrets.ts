/**
 * Secrets Manager reads for the Lambdas' cold start: the Redis AUTH token and the vendors JSON.
 * Any failure (SDK error, no string value, no password in the JSON) becomes DependencyUnavailableError,
 * so the invocation fails and is retried instead of running without its credentials.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DependencyUnavailableError } from '../core/errors.ts';

/** The part of SecretsManagerClient these readers use (tests pass a fake). */
export interface SecretsClient {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
  destroy(): void;
}

/** Builds a client for a region. @default a SecretsManagerClient */
export type SecretsClientFactory = (region: string) => SecretsClient;

// Why bounded: a cold start that cannot reach Secrets Manager must fail (and be retried) well inside
// the function timeout, not hang on the SDK's default of no request timeout.
const defaultFactory: SecretsClientFactory = (region) =>
  new SecretsManagerClient({
    region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000 },
  });

/** The region of a Secrets Manager ARN (`arn:aws:secretsmanager:<region>:…`). */
function regionOf(secretArn: string): string {
  return secretArn.split(':')[3] ?? '';
}

/** Reads a secret's string value; `what` names it in errors (never the value). */
export async function readSecretString(
  secretArn: string,
  what: string,
  createClient: SecretsClientFactory = defaultFactory,
): Promise<string> {
  // Why a client per read: each secret is read once per container, at cold start.
  const client = createClient(regionOf(secretArn));
  try {
    const { SecretString: secret } = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!secret) throw new Error('secret has no string value');
    return secret;
  } catch (error) {
    throw new DependencyUnavailableError('secrets-manager', `could not read the ${what} secret`, {
      cause: error,
    });
  } finally {
    client.destroy();
  }
}

/** The ElastiCache AUTH token: the secret is a plain string or JSON with `password` or `authToken`. */
export async function fetchRedisPassword(
  secretArn: string,
  createClient: SecretsClientFactory = defaultFactory,
): Promise<string> {
  const secret = await readSecretString(secretArn, 'Redis AUTH', createClient);
  if (!secret.trimStart().startsWith('{')) return secret;
  let parsed: { password?: unknown; authToken?: unknown };
  try {
    parsed = JSON.parse(secret) as typeof parsed;
  } catch (error) {
    // The parser's message may quote the secret; keep only the fact.
    throw new DependencyUnavailableError('secrets-manager', 'the Redis AUTH secret is not valid JSON', {
      cause: new Error(error instanceof Error ? error.name : 'parse error'),
    });
  }
  const password = parsed.password ?? parsed.authToken;
  if (typeof password !== 'string' || password === '') {
    throw new DependencyUnavailableError(
      'secrets-manager',
      'the Redis AUTH secret JSON has no password or authToken',
    );
  }
  return password;
}
