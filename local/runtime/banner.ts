/**
 * What `herald start` prints once everything is up: where the API is, the dev token, a curl to paste,
 * the vendors (with their fault-injection admin URLs), the engines and the pid files.
 */
import { relative } from 'node:path';
import { EnvKey } from '../../lambdas/shared/env-keys.ts';
import type { Engines } from '../infra/engines.ts';
import type { DevToken } from './dev-token.ts';
import type { Runtime } from './runtime.ts';
import type { TopicState } from './topics.ts';

/** Everything the banner shows. */
export interface BannerFacts {
  readonly runtime: Runtime;
  readonly engines: Engines;
  readonly topics: readonly TopicState[];
  readonly token: DevToken;
  readonly runDir: string;
  readonly vendorLogPath: string;
  readonly startedAt: number;
}

const show = (path: string) => {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') ? path : shown;
};

/** The banner's text. */
export function bannerText(facts: BannerFacts): string {
  const { runtime, engines, token } = facts;
  const esm = runtime.esm;
  const auth = `Authorization: Bearer ${token.token}`;
  const tokenNote =
    token.source === 'environment'
      ? `from HERALD_API_TOKENS, client "${token.clientId}"`
      : `client "${token.clientId}", ${token.source}; set HERALD_API_TOKENS to use your own`;
  const body = JSON.stringify({
    channel: 'sms',
    recipients: ['+821012345678', '+821098765432'],
    content: { body: 'Hello from Herald' },
  });
  const vendors = runtime.vendors.map(
    (v) => `${v.name.padEnd(8)} ${(v.kind ?? 'mock').padEnd(7)} ${v.url}  (faults: ${v.adminUrl}/faults)`,
  );
  return [
    '',
    `Herald is running (ready in ${((Date.now() - facts.startedAt) / 1000).toFixed(1)} s)`,
    '',
    `  API          ${runtime.apiUrl}   API Gateway HTTP API (payload 2.0) -> lambdas/ingest/handler.ts`,
    `  dev token    ${token.token}   (${tokenNote})`,
    `  dispatcher   MSK event source mapping -> lambdas/dispatch/handler.ts (own process)`,
    `               ${esm.mode} mode, batch ${esm.batchSize}, window ${esm.maximumBatchingWindowMs} ms, group ${runtime.consumerGroupId}`,
    `  high lane    ${runtime.highLane.topic} -> the same handler, its own mapping (priority: high)`,
    `               batch ${runtime.highLane.esm.batchSize}, window ${runtime.highLane.esm.maximumBatchingWindowMs} ms, group ${runtime.highLane.consumerGroupId}`,
    `  receipts     ${runtime.eventBusUrl}   event bus (PutEvents) -> lambdas/receipts/handler.ts`,
    `  dead letters ${runtime.deadLetters.topic} -> lambdas/dead-letters/handler.ts (own process), group ${runtime.deadLetters.consumerGroupId}`,
    `  callbacks    every ${runtime.callbacks.intervalMs / 1000} s -> lambdas/callbacks/handler.ts; webhooks ${runtime.callbacks.webhooks}`,
    ...facts.topics.map((t) => `  topic        ${t.name} (${t.partitions} partitions, ${t.action})`),
    `  kafka        ${engines.kafkaBrokers.join(',')} (${engines.startedKafka ? 'started' : 'reused'})`,
    engines.redisClusterNodes
      ? `  redis        cluster ${engines.redisClusterNodes.join(',')} (${engines.startedRedisCluster ? 'started' : 'reused'})`
      : `  redis        ${engines.redisUrl} (${engines.startedRedis ? 'started' : 'reused'})`,
    `  vendors      ${vendors[0] ?? '-'}`,
    ...vendors.slice(1).map((line) => `               ${line}`),
    `  vendor log   ${show(facts.vendorLogPath)}`,
    `  pid files    ${show(facts.runDir)}/{api,dispatcher,dispatcher-function,dispatcher-high,dispatcher-high-function,vendors,receipts,dead-letters,dead-letters-function,callbacks,kafka,redis}.pid`,
    '',
    'Send a message (a repeat with the same Idempotency-Key is replayed, not sent again):',
    '',
    `  curl -sS -X POST ${runtime.apiUrl}/v1/messages \\`,
    `    -H '${auth}' -H 'Content-Type: application/json' \\`,
    `    -H "Idempotency-Key: demo-$RANDOM" \\`,
    `    -d '${body}'`,
    '',
    'Then read its status:',
    '',
    `  curl -sS ${runtime.apiUrl}/v1/messages/<requestId> -H '${auth}'`,
    '',
    "It reads sent, then delivered when the provider's receipt comes (about a second later). E-mail to",
    "bounce@simulator.amazonses.com ends bounced, an SMS to +14254147167 undeliverable (the providers'",
    `simulators). With ${EnvKey.callbacksJson}='{"<client>":{"url":"http://127.0.0.1:<port>/…","secret":"<16+ chars>"}}'`,
    'each final state is POSTed to the client, signed.',
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** Prints the banner. */
export function printBanner(facts: BannerFacts): void {
  console.log(bannerText(facts));
}
