/**
 * Which clients have a webhook: `{"<clientId>": {"url": "https://…", "secret": "<16+ chars>"}}`, from
 * HERALD_CALLBACKS (local runs) or the Secrets Manager secret HERALD_CALLBACKS_SECRET_ARN (AWS: the
 * signing secrets never sit in clear env). A client without an entry gets no callbacks.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { EnvKey } from '../shared/env-keys.ts';
import type { Webhook } from './app.ts';

/** The env keys of the webhook registry. */
export const callbacksEnv = {
  [EnvKey.callbacksJson]: z.string().min(2).optional(),
  [EnvKey.callbacksSecretArn]: z.string().startsWith('arn:').optional(),
} as const;

/** Where the registry comes from. */
export type WebhookSource =
  | { readonly json: string }
  | { readonly secretArn: string }
  | { readonly none: true };

/** The source named by the parsed env keys. */
export function webhookSourceFrom(raw: {
  [EnvKey.callbacksJson]?: string | undefined;
  [EnvKey.callbacksSecretArn]?: string | undefined;
}): WebhookSource {
  const json = raw[EnvKey.callbacksJson];
  const secretArn = raw[EnvKey.callbacksSecretArn];
  return json ? { json } : secretArn ? { secretArn } : { none: true };
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
const registry = z.record(
  z.string().min(1),
  z.object({
    url: z.url().refine((text) => {
      const url = new URL(text);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url));
    }, 'must be https (http only on loopback)'),
    secret: z.string().min(16, 'must be at least 16 characters'),
  }),
);

/** Parses the registry JSON, naming every bad entry in one ConfigError. */
export function parseWebhooks(json: string, key: string): Map<string, Webhook> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(`${key}: not JSON`, [key], { cause: error });
  }
  const parsed = registry.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    throw new ConfigError(`${key}: ${details}`, [key]);
  }
  return new Map(Object.entries(parsed.data));
}
