/**
 * SMS through AWS End User Messaging SMS (pinpoint-sms-voice-v2 SendTextMessage), one recipient per
 * call, with the official SDK v3 client. The deliveryId, requestId and base64url clientId travel in
 * `Context` (`receiptTagsFor`), so delivery receipts (event destinations of the configuration set) can
 * be matched later. EUM does NOT dedupe:
 * a repeated call is a second SMS.
 *
 * Classification of SendTextMessage's errors:
 *   ThrottlingException                                   → throttled
 *   ConflictException opted out / not verified / blocked  → rejected (this recipient, for good)
 *   ValidationException about the destination or body    → rejected
 *   AccessDeniedException (account disabled, reputation), ServiceQuotaExceededException (monthly spend
 *   limit), ResourceNotFoundException (unknown origination identity or configuration set), any other
 *   Conflict/Validation reason (identity cannot serve the country, message type mismatch …) → vendor-failed
 *   InternalServerException (500) and any 500/502/504    → ambiguous; 503 → unavailable
 *   transport: refused or connect timeout → unavailable; timeout or reset after connecting → ambiguous
 */
import { PinpointSMSVoiceV2Client, SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { receiptTagsFor } from '../core/receipt-tags.ts';
import type { Vendor, VendorMessage, VendorOutcome } from '../ports/vendor.ts';
import { type AwsClientSettings, awsClientConfig, awsErrorFacts, awsOutcomeOf } from './aws-send-outcome.ts';

/** SMS message class; it decides routing and price, and must match the origination identity. */
export const EumMessageType = { transactional: 'TRANSACTIONAL', promotional: 'PROMOTIONAL' } as const;
/** One of the message types. */
export type EumMessageType = (typeof EumMessageType)[keyof typeof EumMessageType];

/** One EUM vendor: an origination identity in one region (two regions are two vendors). */
export interface EumSmsVendorOptions extends AwsClientSettings {
  readonly name: string;
  /** Phone number, sender id, pool (id or ARN) to send from. */
  readonly originationIdentity: string;
  readonly messageType: EumMessageType;
  readonly configurationSetName?: string;
  /** Tests only: static credentials instead of the default chain (the Lambda role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

// Refusals that concern this recipient only: no vendor will deliver to it.
const RECIPIENT_CONFLICTS = new Set([
  'DESTINATION_PHONE_NUMBER_OPTED_OUT',
  'DESTINATION_PHONE_NUMBER_NOT_VERIFIED',
  'DESTINATION_PHONE_NUMBER_BLOCKED_BY_PROTECT_NUMBER_OVERRIDE',
  'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
]);
const RECIPIENT_VALIDATIONS = new Set(['DESTINATION_COUNTRY_BLOCKED', 'MAXIMUM_SIZE_EXCEEDED']);
// Validation fields that come from the message rather than from the vendor's configuration.
const MESSAGE_FIELDS = new Set(['DestinationPhoneNumber', 'MessageBody']);

/** The EUM SMS vendor adapter. */
export class EumSmsVendor implements Vendor {
  readonly name: string;
  readonly #options: EumSmsVendorOptions;
  readonly #client: PinpointSMSVoiceV2Client;

  constructor(options: EumSmsVendorOptions) {
    this.name = options.name;
    this.#options = options;
    this.#client = new PinpointSMSVoiceV2Client({
      ...awsClientConfig(options),
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    });
  }

  async send(message: VendorMessage, signal?: AbortSignal): Promise<VendorOutcome> {
    if (signal?.aborted) return { kind: 'unavailable', reason: `${this.name}: aborted before sending` };
    const command = new SendTextMessageCommand({
      DestinationPhoneNumber: message.to,
      OriginationIdentity: this.#options.originationIdentity,
      MessageBody: message.body,
      MessageType: this.#options.messageType,
      ...(this.#options.configurationSetName
        ? { ConfigurationSetName: this.#options.configurationSetName }
        : {}),
      Context: receiptTagsFor(message),
    });
    try {
      const output = await this.#client.send(command, signal ? { abortSignal: signal } : {});
      return { kind: 'accepted', ...(output.MessageId ? { vendorMessageId: output.MessageId } : {}) };
    } catch (error) {
      return this.#outcomeOf(error);
    }
  }

  #outcomeOf(error: unknown): VendorOutcome {
    const facts = awsErrorFacts(error);
    const { Reason: detail, Fields: fields } = (error ?? {}) as {
      Reason?: unknown;
      Fields?: Array<{ Name?: unknown }>;
    };
    const reasonCode = typeof detail === 'string' && /^[A-Z_]{1,80}$/.test(detail) ? detail : undefined;
    const reason = `${this.name}: ${facts.name}${reasonCode ? ` ${reasonCode}` : ''}`;
    switch (facts.name) {
      case 'ConflictException':
        return reasonCode && RECIPIENT_CONFLICTS.has(reasonCode)
          ? { kind: 'rejected', reason }
          : { kind: 'vendor-failed', reason };
      case 'ValidationException': {
        const isAboutMessage =
          (reasonCode && RECIPIENT_VALIDATIONS.has(reasonCode)) ||
          (Array.isArray(fields) &&
            fields.length > 0 &&
            fields.every((field) => MESSAGE_FIELDS.has(String(field?.Name))));
        return isAboutMessage ? { kind: 'rejected', reason } : { kind: 'vendor-failed', reason };
      }
      case 'AccessDeniedException':
      case 'ServiceQuotaExceededException':
      case 'ResourceNotFoundException':
        return { kind: 'vendor-failed', reason };
      case 'ThrottlingException':
        return { kind: 'throttled', reason };
      case 'InternalServerException':
        return { kind: 'ambiguous', reason };
      default:
        return awsOutcomeOf(this.name, facts, this.#options.timeoutMs);
    }
  }

  /** Closes the client's sockets. */
  destroy(): void {
    this.#client.destroy();
  }
}
