/**
 * A local Amazon SES v2 that the official SDK client talks to with only an endpoint override: REST-JSON,
 * POST /v2/email/outbound-emails, errors as AWS sends them (the error's HTTP status, the
 * x-amzn-errortype header and a body with `message`). Checks what SES checks for SendEmail: a verified
 * From identity (else MessageRejected "Email address is not verified …", as SES answers), a known
 * configuration set, one simple message with a subject and a body. Logs deliveryId and requestId from
 * the EmailTags. Not idempotent. A send naming a configuration set publishes its events (Delivery,
 * Bounce, Complaint, following the mailbox simulator: ses-events.ts) to the local event bus.
 */
import { type ProviderFake, type ProviderFakeOptions, startProviderFake } from './provider-fake.ts';
import type { ProviderError, ProviderProtocol, ProviderSend } from './provider-protocol.ts';
import { sesReceiptEvents, simulatorScenario } from './ses-events.ts';

const PATH = '/v2/email/outbound-emails';

/** SendEmail's errors, with the HTTP status SES gives them. */
const ERRORS: Readonly<Record<string, { status: number; message: string }>> = {
  AccountSuspendedException: { status: 400, message: 'Sending suspended for this account.' },
  BadRequestException: { status: 400, message: 'Bad request.' },
  LimitExceededException: { status: 400, message: 'Daily message quota exceeded.' },
  MailFromDomainNotVerifiedException: { status: 400, message: 'MAIL FROM domain is not verified.' },
  MessageRejected: { status: 400, message: 'Illegal address' },
  NotFoundException: { status: 404, message: 'Resource not found.' },
  SendingPausedException: { status: 400, message: 'Sending paused for this account.' },
  TooManyRequestsException: { status: 429, message: 'Maximum sending rate exceeded.' },
  InternalServiceErrorException: { status: 500, message: 'Internal service error.' },
  ServiceUnavailable: { status: 503, message: 'Service unavailable.' },
};

function named(failWith: string): ProviderError | undefined {
  const known = ERRORS[failWith];
  return known ? { type: failWith, status: known.status, message: known.message } : undefined;
}

/** The parts of a SendEmail request the fake reads (untrusted JSON). */
interface SendEmailInput {
  readonly FromEmailAddress?: unknown;
  readonly Destination?: { readonly ToAddresses?: readonly unknown[] };
  readonly Content?: {
    readonly Simple?: {
      readonly Subject?: { readonly Data?: unknown };
      readonly Body?: {
        readonly Text?: { readonly Data?: unknown };
        readonly Html?: { readonly Data?: unknown };
      };
    };
  };
  readonly ConfigurationSetName?: unknown;
  readonly EmailTags?: ReadonlyArray<{ readonly Name?: unknown; readonly Value?: unknown }>;
}

const bad = (message: string): ProviderError => ({ type: 'BadRequestException', status: 400, message });

/** Settings of the fake service. */
export interface SesFakeOptions extends ProviderFakeOptions {
  /** Verified identities (addresses or domains). @default any */
  readonly verifiedIdentities?: readonly string[];
  /** Configuration sets that exist. @default any */
  readonly configurationSets?: readonly string[];
  /** Sandbox: only these recipients (addresses or domains) may receive. @default any (production access) */
  readonly sandboxRecipients?: readonly string[];
}

function isVerified(from: string, identities: readonly string[] | undefined): boolean {
  if (!identities) return true;
  const address = from.toLowerCase();
  return identities.some((id) => id.toLowerCase() === address || id.toLowerCase() === address.split('@')[1]);
}

function protocolOf(options: SesFakeOptions): ProviderProtocol {
  return {
    channel: 'email',
    signingName: 'ses',
    parse({ method, url, headers, body }): ProviderSend | ProviderError {
      if (method !== 'POST' || url !== PATH)
        return { type: 'UnknownOperationException', status: 404, message: 'Not found.' };
      let input: SendEmailInput;
      try {
        input = JSON.parse(body) as SendEmailInput;
      } catch {
        return bad('Malformed JSON.');
      }
      const from = input.FromEmailAddress;
      if (typeof from !== 'string' || !from.includes('@')) return bad('FromEmailAddress is required.');
      const to = input.Destination?.ToAddresses ?? [];
      if (to.length !== 1 || typeof to[0] !== 'string') return bad('Exactly one ToAddresses entry expected.');
      if (!/^[^@\s]+@[^@\s]+$/.test(to[0])) return bad("Missing final '@domain'");
      const simple = input.Content?.Simple;
      const subject = simple?.Subject?.Data;
      if (typeof subject !== 'string' || subject.length === 0) return bad('Subject is required.');
      if (typeof simple?.Body?.Text?.Data !== 'string' && typeof simple?.Body?.Html?.Data !== 'string')
        return bad('Body is required.');
      const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(headers.authorization))?.[1];
      // Why the simulator is exempt: SES lets a sandboxed account send to the mailbox simulator.
      const isAllowedRecipient =
        simulatorScenario(to[0]) !== undefined || isVerified(to[0], options.sandboxRecipients);
      const unverified = [
        ...(isVerified(from, options.verifiedIdentities) ? [] : [from]),
        ...(isAllowedRecipient ? [] : [to[0]]),
      ];
      if (unverified.length > 0) {
        return {
          type: 'MessageRejected',
          status: 400,
          message: `Email address is not verified. The following identities failed the check in region ${String(region).toUpperCase()}: ${unverified.join(', ')}`,
        };
      }
      const set = input.ConfigurationSetName;
      if (set !== undefined && options.configurationSets && !options.configurationSets.includes(String(set)))
        return {
          type: 'NotFoundException',
          status: 404,
          message: `Configuration set <${String(set)}> does not exist.`,
        };
      const tags = new Map((input.EmailTags ?? []).map((tag) => [String(tag.Name), String(tag.Value)]));
      const recipient = to[0];
      return {
        to: recipient,
        deliveryId: tags.get('deliveryId') ?? '',
        requestId: tags.get('requestId') ?? '',
        ...(set === undefined
          ? {}
          : {
              receipts: (messageId: string, sentAt: Date, eventAt: Date) =>
                sesReceiptEvents(
                  {
                    from,
                    to: recipient,
                    subject,
                    configurationSet: String(set),
                    region: region ?? 'us-east-1',
                    tags,
                  },
                  messageId,
                  sentAt,
                  eventAt,
                ),
            }),
      };
    },
    accepted: (messageId) => ({
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': messageId },
      body: JSON.stringify({ MessageId: messageId }),
    }),
    error: (error, requestId) => ({
      status: error.status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
      },
      body: JSON.stringify({ message: error.message }),
    }),
    throttled: () => named('TooManyRequestsException') as ProviderError,
    unavailable: () => named('ServiceUnavailable') as ProviderError,
    rejected: () => named('MessageRejected') as ProviderError,
    named,
    missingAuthentication: () => ({
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    }),
  };
}

/** Starts a fake SES v2 endpoint. */
export function startSesFake(options: SesFakeOptions): Promise<ProviderFake> {
  return startProviderFake(protocolOf(options), options);
}
