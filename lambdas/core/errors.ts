/**
 * Herald's error classes, named by what the caller must do. Branch with `instanceof`; `name` is a
 * literal because bundlers mangle class names. A duplicate is an outcome, never an error.
 * HTTP mapping lives in one place: lambdas/ingest/http-errors.ts.
 */

/** Base class of every error Herald raises on purpose. */
export class HeraldError extends Error {
  override name = 'HeraldError';
}

/** One problem with a request, located by a field path such as `recipients[3]`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** The request is wrong and will stay wrong: answer 4xx, never retry. */
export class InvalidRequestError extends HeraldError {
  override name = 'InvalidRequestError';
  readonly issues: readonly FieldIssue[];
  constructor(message: string, issues: readonly FieldIssue[] = [], options?: ErrorOptions) {
    super(message, options);
    this.issues = issues;
  }
}

/** A dependency (Kafka, Redis, a vendor) is unavailable right now: retry later. */
export class DependencyUnavailableError extends HeraldError {
  override name = 'DependencyUnavailableError';
  readonly dependency: string;
  constructor(dependency: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.dependency = dependency;
  }
}

/** A Kafka record that can never be processed: send it to the dead-letter topic, do not retry. */
export class PoisonRecordError extends HeraldError {
  override name = 'PoisonRecordError';
}

/** Configuration is invalid: fail at cold start, listing every bad key at once. */
export class ConfigError extends HeraldError {
  override name = 'ConfigError';
  readonly keys: readonly string[];
  constructor(message: string, keys: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.keys = keys;
  }
}
