/**
 * A local AWS End User Messaging SMS (pinpoint-sms-voice-v2) that the official SDK client talks to with
 * only an endpoint override: the AWS JSON 1.0 protocol (POST /, X-Amz-Target:
 * PinpointSMSVoiceV2.SendTextMessage, application/x-amz-json-1.0), errors as AWS sends them (the
 * x-amzn-errortype header and a body with __type, Message and the error's members). Checks what the
 * service checks for SendTextMessage: an E.164 destination, a body, a known origination identity and
 * configuration set, a valid message type. Logs deliveryId and requestId from Context. Not idempotent.
 * A send naming a configuration set publishes its delivery status event (echoing the Context; the
 * outcome follows the SMS simulator's numbers: eum-sms-events.ts) to the local event bus.
 */

import { eumSmsReceiptEvents } from './eum-sms-events.ts';
import { type ProviderFake, type ProviderFakeOptions, startProviderFake } from './provider-fake.ts';
import type { ProviderError, ProviderProtocol, ProviderSend } from './provider-protocol.ts';

const TARGET = 'PinpointSMSVoiceV2.SendTextMessage';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const NAMESPACE = 'com.amazonaws.pinpointsmsvoicev2';

/** The service's errors, with the HTTP status AWS JSON 1.0 gives them and a default Reason. */
const ERRORS: Readonly<Record<string, { status: number; reason?: string; message: string }>> = {
  AccessDeniedException: { status: 400, reason: 'ACCOUNT_DISABLED', message: 'Account is disabled.' },
  ConflictException: {
    status: 400,
    reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
    message: 'The destination phone number is opted out.',
  },
  InternalServerException: { status: 500, message: 'Internal server error.' },
  ResourceNotFoundException: { status: 400, message: 'The resource was not found.' },
  ServiceQuotaExceededException: {
    status: 400,
    reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
    message: 'The monthly spend limit for text messages has been reached.',
  },
  ThrottlingException: { status: 400, message: 'Rate exceeded.' },
  ValidationException: { status: 400, reason: 'INVALID_PARAMETER', message: 'Invalid parameter.' },
  ServiceUnavailable: { status: 503, message: 'The service is temporarily unavailable.' },
};

function named(failWith: string): ProviderError | undefined {
  const [type = '', reason] = failWith.split(':');
  const known = ERRORS[type];
  if (!known) return undefined;
  const Reason = reason ?? known.reason;
  return { type, status: known.status, message: known.message, ...(Reason ? { members: { Reason } } : {}) };
}

function fieldError(name: string, message: string): ProviderError {
  return {
    type: 'ValidationException',
    status: 400,
    message: `1 validation error detected: ${name}: ${message}`,
    members: { Reason: 'FIELD_VALIDATION_FAILED', Fields: [{ Name: name, Message: message }] },
  };
}

/** Settings of the fake service. */
export interface EumSmsFakeOptions extends ProviderFakeOptions {
  /** Origination identities that exist. @default any */
  readonly originationIdentities?: readonly string[];
  /** Configuration sets that exist. @default any */
  readonly configurationSets?: readonly string[];
}

function protocolOf(options: EumSmsFakeOptions): ProviderProtocol {
  const identities = options.originationIdentities;
  const sets = options.configurationSets;
  return {
    channel: 'sms',
    signingName: 'sms-voice',
    parse({ method, url, headers, body }): ProviderSend | ProviderError {
      if (method !== 'POST' || url !== '/' || headers['x-amz-target'] !== TARGET) {
        return { type: 'UnknownOperationException', status: 400, message: 'Unknown operation.' };
      }
      if (!String(headers['content-type']).startsWith(CONTENT_TYPE)) {
        return { type: 'SerializationException', status: 400, message: 'Expected x-amz-json-1.0.' };
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return { type: 'SerializationException', status: 400, message: 'Malformed JSON.' };
      }
      const to = input.DestinationPhoneNumber;
      if (typeof to !== 'string' || !/^\+[1-9]\d{1,14}$/.test(to))
        return fieldError('DestinationPhoneNumber', 'must be an E.164 phone number');
      const text = input.MessageBody;
      if (typeof text !== 'string' || text.length < 1 || text.length > 1600)
        return fieldError('MessageBody', 'length must be 1..1600');
      if (
        input.MessageType !== undefined &&
        !['TRANSACTIONAL', 'PROMOTIONAL'].includes(String(input.MessageType))
      )
        return fieldError('MessageType', 'must be TRANSACTIONAL or PROMOTIONAL');
      const origin = input.OriginationIdentity;
      if (
        origin !== undefined &&
        (typeof origin !== 'string' || (identities && !identities.includes(origin)))
      ) {
        return {
          type: 'ResourceNotFoundException',
          status: 400,
          message: 'The origination identity does not exist.',
          members: { ResourceType: 'phone-number', ResourceId: String(origin) },
        };
      }
      const set = input.ConfigurationSetName;
      if (set !== undefined && sets && !sets.includes(String(set))) {
        return {
          type: 'ResourceNotFoundException',
          status: 400,
          message: 'The configuration set does not exist.',
          members: { ResourceType: 'configuration-set', ResourceId: String(set) },
        };
      }
      const context = input.Context as Record<string, string> | undefined;
      const send = {
        to,
        body: text,
        ...(typeof origin === 'string' ? { origination: origin } : {}),
        messageType: String(input.MessageType ?? 'TRANSACTIONAL'),
        ...(context ? { context } : {}),
      };
      return {
        to,
        deliveryId: String(context?.deliveryId ?? ''),
        requestId: String(context?.requestId ?? ''),
        ...(set === undefined
          ? {}
          : {
              receipts: (messageId: string, sentAt: Date, eventAt: Date) =>
                eumSmsReceiptEvents(send, messageId, sentAt, eventAt),
            }),
      };
    },
    accepted: (messageId) => ({
      status: 200,
      headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': messageId },
      body: JSON.stringify({ MessageId: messageId }),
    }),
    error: (error, requestId) => ({
      status: error.status,
      headers: {
        'content-type': CONTENT_TYPE,
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/${NAMESPACE}/`,
      },
      body: JSON.stringify({
        __type: `${NAMESPACE}#${error.type}`,
        Message: error.message,
        ...error.members,
      }),
    }),
    throttled: () => named('ThrottlingException') as ProviderError,
    unavailable: () => named('ServiceUnavailable') as ProviderError,
    rejected: () => named('ConflictException:DESTINATION_PHONE_NUMBER_OPTED_OUT') as ProviderError,
    named,
    missingAuthentication: () => ({
      type: 'MissingAuthenticationTokenException',
      status: 403,
      message: 'Missing Authentication Token',
    }),
  };
}

/** Starts a fake EUM SMS endpoint. */
export function startEumSmsFake(options: EumSmsFakeOptions): Promise<ProviderFake> {
  return startProviderFake(protocolOf(options), options);
}
