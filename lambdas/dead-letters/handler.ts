/**
 * Dead-letters Lambda entry point (MSK event source mapping on the dead-letter topic). Builds the
 * Redis status store once per container.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import { wireStatuses } from '../callbacks/status-wiring.ts';
import { buildOnce } from '../shared/build-once.ts';
import { createLogger, createMetrics } from '../shared/logger.ts';
import { createDeadLettersApp, type DeadLettersHandler, type DeadLettersResult } from './app.ts';
import { loadDeadLettersConfig } from './dead-letters-config.ts';

const SERVICE = 'herald-dead-letters';
const config = loadDeadLettersConfig();
const logger = createLogger(SERVICE);
const metrics = createMetrics(SERVICE);

const app = buildOnce(async (): Promise<DeadLettersHandler> => {
  const { statuses, callbacks } = await wireStatuses(config, logger);
  return createDeadLettersApp({ statuses, logger, metrics, ...(callbacks ? { callbacks } : {}) });
});

/** Lambda handler: builds the app on first use, then delegates; a failure fails the batch (retried). */
export async function handler(event: MSKEvent, context: Context): Promise<DeadLettersResult> {
  return (await app())(event, context);
}
