/**
 * Google's OAuth2 token endpoint as a service account meets it: a JWT-bearer grant whose assertion
 * is an RS256 JWT signed with the service-account key (iss = client_email, scope, aud, iat, exp).
 * The FCM fake (fcm-fake.ts) issues access tokens for assertions this file accepts.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { parseObject } from './push-fake-support.ts';

/** Google's token endpoint: what google-auth-library puts in the assertion's `aud`. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];

/** A service-account key file as Google issues it, plus the public half for the fake. */
export interface GeneratedServiceAccount {
  readonly key: {
    readonly type: 'service_account';
    readonly project_id: string;
    readonly private_key_id: string;
    readonly private_key: string;
    readonly client_email: string;
    readonly token_uri: string;
  };
  readonly publicKeyPem: string;
}

/** Makes a throwaway service-account key (RSA 2048) for a local or test FCM. */
export function createServiceAccount(
  projectId: string,
  tokenUri = GOOGLE_TOKEN_URL,
): GeneratedServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: `herald-local@${projectId}.iam.gserviceaccount.com`,
      token_uri: tokenUri,
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Checks a JWT-bearer assertion; the OAuth error description, or undefined when it is good. */
export function assertionProblem(
  assertion: string,
  expected: { readonly clientEmail: string; readonly publicKeyPem: string; readonly tokenUrl: string },
): string | undefined {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || signature === undefined) return 'Invalid JWT: not a JWS compact serialization.';
  const head = parseObject(Buffer.from(header, 'base64url').toString('utf8'));
  const claims = parseObject(Buffer.from(payload, 'base64url').toString('utf8'));
  if (head?.alg !== 'RS256' || !claims) return 'Invalid JWT: unsupported algorithm or malformed claims.';
  const isSigned = verify(
    'RSA-SHA256',
    Buffer.from(`${header}.${payload}`),
    createPublicKey(expected.publicKeyPem),
    Buffer.from(signature, 'base64url'),
  );
  if (!isSigned) return 'Invalid JWT Signature.';
  if (claims.iss !== expected.clientEmail) return 'Invalid grant: account not found';
  if (claims.aud !== GOOGLE_TOKEN_URL && claims.aud !== expected.tokenUrl)
    return 'Invalid JWT: audience mismatch.';
  const scopes = String(claims.scope ?? '').split(' ');
  if (!scopes.some((scope) => FCM_SCOPES.includes(scope))) return 'Invalid JWT: missing FCM scope.';
  const now = Date.now() / 1000;
  const iat = Number(claims.iat);
  const exp = Number(claims.exp);
  if (!(exp > now && iat <= now + 60 && exp - iat <= 3600)) {
    return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
  }
  return undefined;
}
