/**
 * The AWS-wide part of the AWS vendor adapters' classification, on errors shaped as the SDK throws
 * them (the service-specific errors are covered against the fakes in test/integration/dispatch).
 */
import { describe, expect, it } from 'vitest';
import { awsErrorFacts, awsOutcomeOf, connectTimeoutMs } from '../../../lambdas/adapters/aws-send-outcome.ts';

const transport = (name: string, message: string, code?: string) =>
  Object.assign(new Error(message), { name }, code ? { code } : {});
const service = (name: string, httpStatusCode: number) =>
  Object.assign(new Error('Something about +821012345678'), { name, $metadata: { httpStatusCode } });

describe('awsOutcomeOf', () => {
  it.each([
    ['a refused connection', transport('Error', 'connect ECONNREFUSED', 'ECONNREFUSED'), 'unavailable'],
    ['an unknown host', transport('Error', 'getaddrinfo ENOTFOUND', 'ENOTFOUND'), 'unavailable'],
    [
      'a connect timeout',
      transport(
        'TimeoutError',
        '@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 1000 ms.',
      ),
      'unavailable',
    ],
    [
      'the request timeout',
      transport('TimeoutError', 'a request has exceeded the configured 5000 ms requestTimeout.', 'ETIMEDOUT'),
      'ambiguous',
    ],
    [
      'a socket idle after connecting',
      transport('TimeoutError', 'the request socket timed out after 5000 ms of inactivity'),
      'ambiguous',
    ],
    ['a reset', transport('Error', 'socket hang up', 'ECONNRESET'), 'ambiguous'],
    ['an abort mid-call', transport('AbortError', 'Request aborted'), 'ambiguous'],
    [
      'missing credentials',
      transport('CredentialsProviderError', 'Could not load credentials'),
      'vendor-failed',
    ],
    ['HTTP 500', service('InternalFailure', 500), 'ambiguous'],
    ['HTTP 502 without a code', service('Unknown', 502), 'ambiguous'],
    ['HTTP 504', service('Unknown', 504), 'ambiguous'],
    ['HTTP 503 ServiceUnavailable', service('ServiceUnavailable', 503), 'unavailable'],
    ['a generic throttling code', service('Throttling', 400), 'throttled'],
    ['HTTP 429 with any code', service('SlowDownPlease', 429), 'throttled'],
    ['an expired token', service('ExpiredTokenException', 400), 'vendor-failed'],
    ['a bad signature', service('InvalidSignatureException', 403), 'vendor-failed'],
    ['an unmodelled 4xx', service('SomethingNew', 400), 'vendor-failed'],
  ])('classifies %s', (_, error, kind) => {
    const outcome = awsOutcomeOf('v', awsErrorFacts(error), 5_000);
    expect(outcome.kind).toBe(kind);
    expect(JSON.stringify(outcome)).not.toContain('+8210');
  });
});

describe('connectTimeoutMs', () => {
  it.each([
    [5_000, 1_000],
    [2_000, 666],
    [300, 100],
  ])('gives %i ms of request budget %i ms to connect', (timeoutMs, expected) => {
    expect(connectTimeoutMs(timeoutMs)).toBe(expected);
  });
});
