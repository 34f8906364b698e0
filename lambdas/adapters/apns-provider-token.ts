/**
 * The APNs provider authentication token: an ES256 JWT (header alg + kid = key id, claims iss = team
 * id + iat) signed with the team's .p8 key. Apple rejects a token older than one hour
 * (ExpiredProviderToken) and one replaced more often than every 20 minutes
 * (TooManyProviderTokenUpdates), so one token is reused and replaced after `refreshAfterMs`.
 */
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

/** Apple: do not refresh more often than every 20 minutes. */
export const MIN_TOKEN_AGE_MS = 20 * 60_000;
/** Apple: a token older than 60 minutes is expired. */
export const MAX_TOKEN_AGE_MS = 60 * 60_000;
/** When to replace a token: 50 minutes leaves 10 for clock skew and in-flight sends. */
export const DEFAULT_TOKEN_REFRESH_MS = 50 * 60_000;

/** Signing settings. */
export interface ApnsProviderTokenOptions {
  readonly teamId: string;
  readonly keyId: string;
  /** The .p8 key (PKCS#8 PEM, EC P-256). */
  readonly signingKey: string;
  /** Age at which a token is replaced, within [20 min, 60 min). */
  readonly refreshAfterMs: number;
  readonly now: () => number;
}

/** Problems with the signing settings (for a ConfigError), empty when they are good. */
export function signingProblems(options: Omit<ApnsProviderTokenOptions, 'now'>, vendor: string): string[] {
  const problems: string[] = [];
  if (!/^[A-Z0-9]{10}$/.test(options.teamId))
    problems.push(`${vendor}.teamId must be the 10-character team id`);
  if (!/^[A-Z0-9]{10}$/.test(options.keyId)) problems.push(`${vendor}.keyId must be the 10-character key id`);
  try {
    const key = createPrivateKey(options.signingKey);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      problems.push(`${vendor}.signingKey must be an EC P-256 key (the .p8 file)`);
    }
  } catch {
    problems.push(`${vendor}.signingKey is not a PEM private key (the .p8 file)`);
  }
  if (!(options.refreshAfterMs >= MIN_TOKEN_AGE_MS && options.refreshAfterMs < MAX_TOKEN_AGE_MS)) {
    problems.push(`${vendor}.tokenRefreshMs must be within [20 min, 60 min)`);
  }
  return problems;
}

/** One cached provider token. */
export class ApnsProviderToken {
  readonly #options: ApnsProviderTokenOptions;
  readonly #key: KeyObject;
  #token: { readonly jwt: string; readonly issuedAtMs: number; refreshAtMs: number } | undefined;

  constructor(options: ApnsProviderTokenOptions) {
    this.#options = options;
    this.#key = createPrivateKey(options.signingKey);
  }

  /** The token to send now: the cached one, or a new one once it is due. */
  current(): string {
    const now = this.#options.now();
    if (this.#token && now < this.#token.refreshAtMs) return this.#token.jwt;
    const issuedAtMs = now;
    this.#token = {
      jwt: this.#sign(issuedAtMs),
      issuedAtMs,
      refreshAtMs: issuedAtMs + this.#options.refreshAfterMs,
    };
    return this.#token.jwt;
  }

  /**
   * APNs refused the token (expired, invalid): replace it as soon as Apple allows, i.e. once it is
   * 20 minutes old; replacing it sooner would earn TooManyProviderTokenUpdates.
   */
  invalidate(): void {
    if (!this.#token) return;
    this.#token.refreshAtMs = Math.min(this.#token.refreshAtMs, this.#token.issuedAtMs + MIN_TOKEN_AGE_MS);
  }

  #sign(issuedAtMs: number): string {
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: this.#options.keyId })).toString(
      'base64url',
    );
    const claims = Buffer.from(
      JSON.stringify({ iss: this.#options.teamId, iat: Math.floor(issuedAtMs / 1000) }),
    ).toString('base64url');
    // Why ieee-p1363: JWS wants the raw r||s signature, not node's default DER encoding.
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
      key: this.#key,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    return `${header}.${claims}.${signature}`;
  }
}
