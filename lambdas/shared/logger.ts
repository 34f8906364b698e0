/**
 * Powertools Logger and Metrics shared by the Lambdas. Level comes from POWERTOOLS_LOG_LEVEL
 * (Powertools reads it itself); never log message bodies or recipient addresses above debug —
 * use `maskRecipient`.
 */
import { createHash } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { HERALD_NAMESPACE } from './metric-names.ts';

/** Creates the logger of one Lambda. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

/** Creates the EMF metrics emitter of one Lambda. */
export function createMetrics(serviceName: string): Metrics {
  return new Metrics({ namespace: HERALD_NAMESPACE, serviceName });
}

/** A stable, non-reversible stand-in for a recipient address, safe to log (first 12 hex of SHA-256). */
export function maskRecipient(recipient: string): string {
  return `r:${createHash('sha256').update(recipient).digest('hex').slice(0, 12)}`;
}
