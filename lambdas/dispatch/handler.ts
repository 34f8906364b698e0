/**
 * Dispatch Lambda entry point (MSK event source). Work in progress: the real adapters are wired in
 * the following commits; until then every invocation fails, so the event source mapping retries and
 * nothing is lost or sent.
 */
import type { MSKEvent } from 'aws-lambda';
import { DependencyUnavailableError } from '../core/errors.ts';

/** The Lambda handler. */
export async function handler(_event: MSKEvent): Promise<never> {
  throw new DependencyUnavailableError('dispatch', 'dispatcher not wired yet');
}
