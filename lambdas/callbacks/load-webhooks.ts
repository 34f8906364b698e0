/**
 * Loads the webhook registry at cold start from its source (env JSON or a Secrets Manager secret).
 */
import { readSecretString } from '../adapters/secrets.ts';
import { EnvKey } from '../shared/env-keys.ts';
import type { Webhook } from './app.ts';
import { parseWebhooks, type WebhookSource } from './callbacks-config.ts';

/** The registry; empty when none is configured. */
export async function loadWebhooks(source: WebhookSource): Promise<Map<string, Webhook>> {
  if ('json' in source) return parseWebhooks(source.json, EnvKey.callbacksJson);
  if ('secretArn' in source)
    return parseWebhooks(await readSecretString(source.secretArn, 'callbacks'), EnvKey.callbacksSecretArn);
  return new Map();
}
