/**
 * Receipts Lambda entry point (EventBridge rule target). Builds the Redis status store once per
 * container; a failed status write fails the invocation, so EventBridge's asynchronous invocation
 * retries it and, when retries run out, the event lands on the target's dead-letter queue.
 */
import type { Context } from 'aws-lambda';
import { wireStatuses } from '../callbacks/status-wiring.ts';
import type { EventBridgeEvent } from '../core/receipts.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { createReceiptsApp, type ReceiptOutcome, type ReceiptsHandler } from './app.ts';
import { loadReceiptsConfig } from './receipts-config.ts';

const SERVICE = 'herald-receipts';
const config = loadReceiptsConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<ReceiptsHandler> => {
  const { statuses, callbacks } = await wireStatuses(config, logger);
  return createReceiptsApp({ statuses, logger, metrics, ...(callbacks ? { callbacks } : {}) });
});

/** Lambda handler: one EventBridge event per invocation. */
export async function handler(event: EventBridgeEvent, context: Context): Promise<ReceiptOutcome> {
  return (await app())(event, context);
}
