/**
 * E-mail through Amazon SES v2 SendEmail, one recipient per call, with the official SDK v3 client:
 * simple content (subject = the message title, text body), EmailTags deliveryId, requestId and the
 * base64url clientId (`receiptTagsFor`; they come back in the configuration set's events, so the
 * receipts Lambda can find the delivery's status). SES does NOT dedupe: a repeated call is a second e-mail.
 *
 * Classification of SendEmail's errors:
 *   TooManyRequestsException (429)                      → throttled
 *   MessageRejected                                     → rejected, unless it says a sending identity
 *                                                          is not verified (names our From address or
 *                                                          its domain) → vendor-failed
 *   AccountSuspendedException, SendingPausedException, MailFromDomainNotVerifiedException,
 *   NotFoundException (configuration set or identity), LimitExceededException (daily quota),
 *   BadRequestException, auth errors                   → vendor-failed
 *   InternalServiceErrorException and any 500/502/504  → ambiguous; 503 → unavailable
 *   transport: refused or connect timeout → unavailable; timeout or reset after connecting → ambiguous
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { receiptTagsFor } from '../core/receipt-tags.ts';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';
import { type AwsClientSettings, awsClientConfig, awsErrorFacts, awsOutcomeOf } from './aws-send-outcome.ts';

/** One SES vendor: a verified sending identity in one region. */
export interface SesVendorOptions extends AwsClientSettings {
  readonly name: string;
  /** A verified address, or an address at a verified domain. */
  readonly fromEmailAddress: string;
  readonly configurationSetName?: string;
  /** Tests only: static credentials instead of the default chain (the Lambda role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const VENDOR_LEVEL = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'NotFoundException',
  'LimitExceededException',
  'BadRequestException',
]);
const SUBJECT_MAX = 200;

/** The SES vendor adapter. */
export class SesVendor implements Vendor {
  readonly name: string;
  readonly #options: SesVendorOptions;
  readonly #client: SESv2Client;
  readonly #fromDomain: string;

  constructor(options: SesVendorOptions) {
    this.name = options.name;
    this.#options = options;
    this.#fromDomain = (options.fromEmailAddress.split('@').pop() ?? '').toLowerCase();
    this.#client = new SESv2Client({
      ...awsClientConfig(options),
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    });
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    if (signal?.aborted) return { kind: 'unavailable', reason: `${this.name}: aborted before sending` };
    const command = new SendEmailCommand({
      FromEmailAddress: this.#options.fromEmailAddress,
      Destination: { ToAddresses: [message.to] },
      Content: {
        Simple: {
          Subject: { Data: this.#subjectOf(message), Charset: 'UTF-8' },
          Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
        },
      },
      // Tag values allow letters, digits, _ and -: receipt-tags.ts encodes what could hold others.
      EmailTags: Object.entries(receiptTagsFor(message)).map(([Name, Value]) => ({ Name, Value })),
      ...(this.#options.configurationSetName
        ? { ConfigurationSetName: this.#options.configurationSetName }
        : {}),
    });
    try {
      const output = await this.#client.send(command, signal ? { abortSignal: signal } : {});
      return { kind: 'accepted', ...(output.MessageId ? { vendorMessageId: output.MessageId } : {}) };
    } catch (error) {
      return this.#outcomeOf(error);
    }
  }

  #subjectOf(message: VendorMessage): string {
    // SES refuses an empty subject: without a title, the body's first line stands in.
    const subject = message.title ?? message.body.split('\n')[0] ?? '';
    return subject.slice(0, SUBJECT_MAX);
  }

  #outcomeOf(error: unknown): VendorOutcome {
    const facts = awsErrorFacts(error);
    const reason = `${this.name}: ${facts.name}`;
    if (facts.name === 'TooManyRequestsException') return { kind: 'throttled', reason };
    if (VENDOR_LEVEL.has(facts.name)) return { kind: 'vendor-failed', reason };
    if (facts.name === 'InternalServiceErrorException') return { kind: 'ambiguous', reason };
    if (facts.name === 'MessageRejected') {
      return this.#isOwnIdentityUnverified(error)
        ? { kind: 'vendor-failed', reason: `${reason} (sending identity not verified)` }
        : { kind: 'rejected', reason };
    }
    return awsOutcomeOf(this.name, facts, this.#options.timeoutMs);
  }

  /**
   * SES answers an unverified sending identity with MessageRejected "Email address is not verified.
   * The following identities failed the check in region …: <identities>". In the sandbox the same text
   * names an unverified recipient instead: only our own address or domain (or no identity named at
   * all) makes it vendor-level.
   */
  #isOwnIdentityUnverified(error: unknown): boolean {
    const text = String((error as { message?: unknown })?.message ?? '').toLowerCase();
    if (!text.includes('not verified')) return false;
    const listAt = text.indexOf('failed the check');
    if (listAt < 0) return true;
    const identities = text
      .slice(text.indexOf(':', listAt) + 1)
      .split(',')
      .map((identity) => identity.trim().replace(/\.$/, ''))
      .filter(Boolean);
    const from = this.#options.fromEmailAddress.toLowerCase();
    return identities.length === 0 || identities.some((id) => id === from || id === this.#fromDomain);
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.#client.destroy();
  }
}
