/**
 * Middy middleware that flushes the stored Powertools metrics (EMF) after each invocation, as
 * Powertools' `logMetrics` does, but only when there is something to flush.
 *
 * Why: one Metrics instance lives per execution environment. On Lambda an environment serves one
 * request at a time, so every invocation flushes exactly its own metrics. A long-running process that
 * serves requests concurrently (the local API Gateway emulator) shares that instance: the first request
 * to finish flushes the others' metrics too, and `logMetrics` would then make every other request warn
 * "No application metrics to publish", flooding the output. The EMF output itself is unchanged: metrics
 * are flushed by whichever request finishes first, and repeated names become value arrays, which
 * CloudWatch sums.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/** Flushes `metrics` after the handler returns or throws, when any were added. */
export function publishMetrics<TEvent, TResult>(metrics: Metrics): MiddlewareObj<TEvent, TResult> {
  const flush = () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}
