/**
 * OAuth2 access tokens for FCM from a service-account key, through google-auth-library's JWT client
 * (RS256 assertion, JWT-bearer grant). Cached until 5 minutes before expiry; concurrent sends share
 * one fetch. The token endpoint is the key's `token_uri` (or a configured one): google-auth-library
 * posts to Google's fixed URL, so a request interceptor on its transporter points it there.
 */
import { JWT } from 'google-auth-library';
import { ConfigError } from '../core/errors.ts';
import { errorCodeOf } from './http-exchange.ts';

/** The fields of a service-account key file that sending needs. */
export interface FcmServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly project_id?: string;
  readonly token_uri?: string;
}

const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
// Why 5 minutes: a token used near its expiry can expire in flight; FCM then answers 401.
const EARLY_REFRESH_MS = 5 * 60_000;
const CODE = /^[a-z_]{1,64}$/;

/** Validates a key (JSON text or object); throws ConfigError naming each missing field, never a value. */
export function parseServiceAccountKey(
  key: string | FcmServiceAccountKey,
  vendor: string,
  projectId?: string,
): FcmServiceAccountKey & { readonly token_uri: string } {
  let value: unknown = key;
  if (typeof key === 'string') {
    try {
      value = JSON.parse(key);
    } catch (error) {
      throw new ConfigError(
        `${vendor}: the service-account key is not JSON`,
        [`${vendor}.serviceAccountKey`],
        {
          cause: new Error(error instanceof Error ? error.name : 'parse error'),
        },
      );
    }
  }
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const required = ['client_email', 'private_key', ...(projectId ? [] : ['project_id'])];
  const missing = required.filter((field) => typeof fields[field] !== 'string' || fields[field] === '');
  if (missing.length > 0) {
    throw new ConfigError(
      `${vendor}: the service-account key lacks ${missing.join(', ')}`,
      missing.map((field) => `${vendor}.serviceAccountKey.${field}`),
    );
  }
  return {
    ...(fields as unknown as FcmServiceAccountKey),
    token_uri: typeof fields.token_uri === 'string' ? fields.token_uri : GOOGLE_TOKEN_URL,
  };
}

/** Where and how to get tokens. */
export interface FcmAccessTokensOptions {
  readonly key: FcmServiceAccountKey;
  readonly tokenUrl: string;
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** A cached FCM access token. */
export class FcmAccessTokens {
  readonly #options: FcmAccessTokensOptions;
  #cached: { readonly token: string; readonly refreshAtMs: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: FcmAccessTokensOptions) {
    this.#options = options;
  }

  /** A valid access token; rejects when the token endpoint refuses or cannot be reached. */
  get(): Promise<string> {
    if (this.#cached && this.#options.now() < this.#cached.refreshAtMs)
      return Promise.resolve(this.#cached.token);
    this.#inFlight ??= this.#fetch().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** Forgets the cached token (FCM refused it). */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** A log-safe description of a token fetch failure (OAuth error code or transport code only). */
  describe(error: unknown): string {
    const gaxios = error as { status?: unknown; response?: { status?: unknown; data?: { error?: unknown } } };
    const status = gaxios.status ?? gaxios.response?.status;
    const oauthError = gaxios.response?.data?.error;
    if (typeof status === 'number') {
      const code = typeof oauthError === 'string' && CODE.test(oauthError) ? ` ${oauthError}` : '';
      return `token endpoint HTTP ${status}${code}`;
    }
    return `token endpoint ${errorCodeOf(error) ?? (error instanceof Error && /timeout/i.test(error.message) ? 'timeout' : 'unreachable')}`;
  }

  async #fetch(): Promise<string> {
    const { key, tokenUrl, timeoutMs, now } = this.#options;
    const client = new JWT({ email: key.client_email, key: key.private_key, scopes: [FCM_SCOPE] });
    client.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (config.url.href === GOOGLE_TOKEN_URL) config.url = new URL(tokenUrl);
        config.timeout = timeoutMs;
        // Why no retry: a failing token endpoint is a vendor-level failure the router handles
        // (circuit, failover); retrying here would only spend the send's time budget.
        config.retryConfig = { ...config.retryConfig, retry: 0 };
        return config;
      },
    });
    const startedAtMs = now();
    const credentials = await client.authorize();
    const token = credentials.access_token;
    if (!token) throw new Error('token endpoint answered no access_token');
    const lifetimeMs = typeof credentials.expiry_date === 'number' ? credentials.expiry_date - Date.now() : 0;
    this.#cached = { token, refreshAtMs: startedAtMs + Math.max(0, lifetimeMs - EARLY_REFRESH_MS) };
    return token;
  }
}
