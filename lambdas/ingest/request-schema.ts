/**
 * The ingest API's schemas, written once in zod: they validate requests at runtime and generate the
 * OpenAPI document (openapi.ts, via z.toJSONSchema), so the two cannot drift.
 */
import { z } from 'zod';
import { PUSH_RECIPIENT_PATTERN } from '../core/push-recipient.ts';
import { STATE_PRECEDENCE } from '../core/status-precedence.ts';

/** Metadata of a named schema in the OpenAPI document. */
interface SchemaMeta {
  readonly id: string;
  readonly description?: string;
}

/** Named schemas that become `components.schemas` in the OpenAPI document. */
export const apiSchemas = z.registry<SchemaMeta>();

/** Maximum recipients per request. */
export const MAX_RECIPIENTS = 100;

// Why code points: "chars" as a person counts them, and what JSON Schema's min/maxLength mean;
// zod's .min/.max count UTF-16 units (an emoji would count twice).
const text = (min: number, max: number, description: string) =>
  z
    .string()
    .refine((value) => value.isWellFormed(), 'must be well-formed Unicode (no lone surrogates)')
    .refine((value) => {
      const length = [...value].length;
      return length >= min && length <= max;
    }, `must be ${min}..${max} characters`)
    .meta({ minLength: min, maxLength: max, description });

const e164 = z
  .string()
  .regex(/^\+[1-9]\d{1,14}$/, 'must be an E.164 phone number such as +821012345678')
  .meta({ description: 'E.164 phone number', examples: ['+821012345678'] });

const emailAddress = z
  .email('must be an e-mail address')
  .max(254, 'must be at most 254 characters')
  .meta({ description: 'E-mail address', examples: ['someone@example.com'] });

// Why a service prefix: the dispatcher must know which push service a token belongs to (an FCM
// vendor cannot deliver to an APNs token), and one string keeps recipients uniform across channels.
const pushRecipient = z
  .string()
  .regex(
    new RegExp(PUSH_RECIPIENT_PATTERN),
    'must be fcm:<FCM registration token> (1..500 of A-Z a-z 0-9 _ : . -) or apns:<APNs device token> (64..200 hex digits)',
  )
  .meta({
    description: 'Push recipient: the service, a colon, then the device token',
    examples: ['fcm:dQw4w9WgXcQ:APA91bH-example', `apns:${'a1'.repeat(32)}`],
  });

const content = z
  .strictObject({
    body: text(1, 2000, 'Message text, 1..2000 characters'),
    title: text(0, 200, 'Title (push, email subject), at most 200 characters').optional(),
  })
  .register(apiSchemas, { id: 'MessageContent' });

const priority = z.enum(['high', 'normal']).default('normal').meta({ description: 'Delivery priority' });

const recipientsOf = <T extends z.ZodType>(recipient: T) =>
  z
    .array(recipient)
    .min(1)
    .max(MAX_RECIPIENTS)
    .meta({
      description: `1..${MAX_RECIPIENTS} recipients; a recipient listed twice is sent once`,
    });

/** The body of `POST /v1/messages`; unknown fields are rejected. */
export const sendMessageRequest = z
  .discriminatedUnion('channel', [
    z.strictObject({ channel: z.literal('sms'), recipients: recipientsOf(e164), content, priority }),
    z.strictObject({
      channel: z.literal('email'),
      recipients: recipientsOf(emailAddress),
      content,
      priority,
    }),
    z.strictObject({
      channel: z.literal('push'),
      recipients: recipientsOf(pushRecipient),
      content,
      priority,
    }),
  ])
  .register(apiSchemas, {
    id: 'SendMessageRequest',
    description: 'A message to send to up to 100 recipients',
  });
/** A validated send request. */
export type SendMessageRequest = z.output<typeof sendMessageRequest>;

/** The `Idempotency-Key` header: 1..255 printable ASCII characters. */
export const idempotencyKey = z
  .string()
  .regex(/^[\x20-\x7e]{1,255}$/, 'must be 1..255 printable ASCII characters')
  .meta({ minLength: 1, maxLength: 255 });

/** A requestId: SHA-256, lowercase hex. */
export const requestIdSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .meta({ description: 'SHA-256 request id (hex)' });

/** The 202 body of `POST /v1/messages`. */
export const sendMessageAccepted = z
  .strictObject({
    requestId: requestIdSchema,
    accepted: z
      .int()
      .min(1)
      .max(MAX_RECIPIENTS)
      .meta({ description: 'Deliveries queued (unique recipients)' }),
    collapsedDuplicates: z.int().min(0).meta({ description: 'Recipients listed more than once, sent once' }),
  })
  .register(apiSchemas, { id: 'SendMessageAccepted' });
/** The 202 body. */
export type SendMessageAccepted = z.output<typeof sendMessageAccepted>;

/** Every state a delivery can be in, in precedence order. */
export const DELIVERY_STATES = STATE_PRECEDENCE;
const deliveryState = z.enum(DELIVERY_STATES);

/** The 200 body of `GET /v1/messages/{requestId}`. */
export const messageStatus = z
  .strictObject({
    requestId: requestIdSchema,
    acceptedAt: z.iso.datetime(),
    counts: z.strictObject({
      total: z.int().min(0),
      queued: z.int().min(0),
      sent: z.int().min(0),
      'maybe-sent': z
        .int()
        .min(0)
        .meta({ description: 'Possibly delivered by the vendor named; held, never sent again' }),
      failed: z.int().min(0),
      suppressed: z.int().min(0),
      unknown: z.int().min(0).meta({ description: 'Sent, and no receipt within 72 h' }),
      delivered: z.int().min(0),
      undeliverable: z.int().min(0),
      bounced: z.int().min(0),
      complained: z.int().min(0),
    }),
    recipients: z
      .array(
        z.strictObject({
          position: z
            .int()
            .min(0)
            .max(MAX_RECIPIENTS - 1)
            .meta({
              description:
                "Index in the request's recipients (first occurrence; a collapsed duplicate has no entry of its own)",
            }),
          state: deliveryState,
          vendor: z
            .string()
            .optional()
            .meta({ description: 'Vendor that accepted (sent) or refused (failed) it' }),
          reason: z.string().optional().meta({ description: 'Why it failed or was suppressed' }),
          updatedAt: z.iso.datetime().meta({
            description:
              'Last change, to the second (to the minute from 9.1 h after acceptance); acceptedAt while queued',
          }),
        }),
      )
      .meta({
        description:
          'One entry per delivery, by position (for a request whose queued statuses could not be written, ' +
          'only the deliveries dispatch has reached; counts.total and counts.queued include the others). ' +
          'No addresses and no deliveryIds are stored or returned: the ' +
          'caller holds the recipients; a deliveryId is base64url(SHA-256(requestId + "\\n" + recipient)[0..16])',
      }),
  })
  .register(apiSchemas, { id: 'MessageStatus' });
/** The status body. */
export type MessageStatus = z.output<typeof messageStatus>;

/** Every 4xx/5xx body. `issues` locates each problem of a 400 by field path, e.g. `recipients[3]`. */
export const errorBody = z
  .strictObject({
    error: z.string().meta({ description: 'Machine-readable code, e.g. invalid_request' }),
    message: z.string(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
    correlationId: z.string().optional().meta({ description: 'Quote it when reporting a 5xx' }),
  })
  .register(apiSchemas, { id: 'Error' });
/** An error body. */
export type ErrorBody = z.output<typeof errorBody>;
