/**
 * The contract between the shared provider fake server (provider-fake.ts) and one provider's wire
 * protocol (eum-sms-fake.ts, ses-fake.ts), and the faults every provider fake takes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MockVendorFaults } from '../mock-vendor/mock-vendor.ts';
import { faultProblems } from '../mock-vendor/mock-vendor-admin.ts';
import type { ReceiptEvent } from './receipt-emitter.ts';

/** A provider fake's faults. */
export interface ProviderFaults
  extends Omit<MockVendorFaults, 'retryAfterSeconds' | 'resetRate' | 'answerStatus'> {
  readonly failWith: string | null;
}

/** No faults. */
export const NO_PROVIDER_FAULTS: ProviderFaults = {
  errorRate: 0,
  latencyMs: 0,
  timeoutRate: 0,
  throttleRate: 0,
  maxPerSecond: 0,
  down: false,
  rejectTo: [],
  failWith: null,
};

/** An error in the provider's vocabulary, before its wire shape is applied. */
export interface ProviderError {
  /** The error code, e.g. `ThrottlingException`. */
  readonly type: string;
  readonly status: number;
  readonly message: string;
  /** Extra members of the error structure (Reason, Fields …). */
  readonly members?: Readonly<Record<string, unknown>>;
}

/** One send the provider would deliver. */
export interface ProviderSend {
  readonly to: string;
  readonly deliveryId: string;
  readonly requestId: string;
  /**
   * The events the provider publishes about this send once accepted (its receipts), given the
   * message id it answered, when it was sent and when the events happen; none when the request names
   * no configuration set (the real services publish events only through a configuration set's event
   * destination).
   */
  readonly receipts?: (messageId: string, sentAt: Date, eventAt: Date) => readonly ReceiptEvent[];
}

/** An HTTP answer. */
export interface WireAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A provider's wire protocol. */
export interface ProviderProtocol {
  /** Channel written to the vendor log. */
  readonly channel: string;
  /** SigV4 signing name expected in the Authorization header's credential scope (`sms-voice`, `ses`). */
  readonly signingName: string;
  /** Parses a request: the send it asks for, or the error the service would answer. */
  parse(request: {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    body: string;
  }): ProviderSend | ProviderError;
  accepted(messageId: string): WireAnswer;
  error(error: ProviderError, requestId: string): WireAnswer;
  throttled(): ProviderError;
  unavailable(): ProviderError;
  rejected(): ProviderError;
  /** The error for `failWith` ("Type" or "Type:Reason"), or undefined for an unknown type. */
  named(failWith: string): ProviderError | undefined;
  missingAuthentication(): ProviderError;
}

/** Problems with a faults patch for a provider fake (the mock vendor's rules, plus failWith). */
export function providerFaultProblems(patch: Record<string, unknown>, protocol: ProviderProtocol): string[] {
  const { failWith, retryAfterSeconds, ...common } = patch;
  const problems = faultProblems(common);
  if (retryAfterSeconds !== undefined) problems.push('retryAfterSeconds: this provider sends no Retry-After');
  if (failWith !== undefined && failWith !== null) {
    if (typeof failWith !== 'string' || !protocol.named(failWith))
      problems.push('failWith must be null or a known error of this provider');
  }
  return problems;
}
