import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../../lambdas/ingest/http-request.ts';
import { errorBody } from '../../../lambdas/ingest/request-schema.ts';
import { type ApiEventOptions, apiEvent } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

const sms = { channel: 'sms', recipients: ['+821012345678'], content: { body: 'hi' } };
const email = { ...sms, channel: 'email', recipients: ['kim@example.com'] };
const push = { ...sms, channel: 'push', recipients: ['fcm:token-1'] };
const phones = (n: number) => Array.from({ length: n }, (_, i) => `+8210${String(i).padStart(8, '0')}`);

interface Case {
  readonly name: string;
  readonly event: ApiEventOptions;
  readonly status: number;
  /** The field path the first issue must name (400 only). */
  readonly path?: string;
}

const body = (value: unknown): ApiEventOptions => ({ body: value });
const withKey = (key: string): ApiEventOptions => ({ body: sms, headers: { 'idempotency-key': key } });

const cases: Case[] = [
  { name: 'malformed JSON', event: body('{"channel":"sms",'), status: 400, path: '' },
  { name: 'empty body', event: body(''), status: 400, path: '' },
  { name: 'no body at all', event: {}, status: 400, path: '' },
  { name: 'a JSON array', event: body([sms]), status: 400, path: '' },
  { name: 'a JSON string', event: body('"hello"'), status: 400, path: '' },
  { name: 'JSON null', event: body('null'), status: 400, path: '' },
  {
    name: 'invalid UTF-8',
    event: { body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), isBase64Encoded: true },
    status: 400,
    path: '',
  },
  {
    name: 'missing channel',
    event: body({ recipients: sms.recipients, content: sms.content }),
    status: 400,
    path: 'channel',
  },
  { name: 'unknown channel', event: body({ ...sms, channel: 'fax' }), status: 400, path: 'channel' },
  { name: 'channel of wrong type', event: body({ ...sms, channel: 1 }), status: 400, path: 'channel' },
  {
    name: 'missing recipients',
    event: body({ channel: 'sms', content: sms.content }),
    status: 400,
    path: 'recipients',
  },
  {
    name: 'recipients not an array',
    event: body({ ...sms, recipients: '+821012345678' }),
    status: 400,
    path: 'recipients',
  },
  { name: '0 recipients', event: body({ ...sms, recipients: [] }), status: 400, path: 'recipients' },
  {
    name: '101 recipients',
    event: body({ ...sms, recipients: phones(101) }),
    status: 400,
    path: 'recipients',
  },
  {
    name: 'a number as recipient',
    event: body({ ...sms, recipients: ['+821012345678', 821012345678] }),
    status: 400,
    path: 'recipients[1]',
  },
  {
    name: 'phone without +',
    event: body({ ...sms, recipients: ['821012345678'] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'phone with spaces',
    event: body({ ...sms, recipients: ['+1', '+2', '+3', '+82 10 1234 5678'] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'phone too long (16 digits)',
    event: body({ ...sms, recipients: [...phones(3), '+1234567890123456'] }),
    status: 400,
    path: 'recipients[3]',
  },
  {
    name: 'e-mail without @',
    event: body({ ...email, recipients: ['kim.example.com'] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'phone number for e-mail',
    event: body({ ...email, recipients: ['kim@example.com', '+821012345678'] }),
    status: 400,
    path: 'recipients[1]',
  },
  {
    name: 'e-mail over 254 chars',
    event: body({ ...email, recipients: [`${'a'.repeat(64)}@${'b'.repeat(190)}.com`] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'empty push recipient',
    event: body({ ...push, recipients: [''] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'push token without its service',
    event: body({ ...push, recipients: ['fcm:ok', 'token-2'] }),
    status: 400,
    path: 'recipients[1]',
  },
  {
    name: 'FCM token with a space',
    event: body({ ...push, recipients: ['fcm:abc def'] }),
    status: 400,
    path: 'recipients[0]',
  },
  {
    name: 'missing content',
    event: body({ channel: 'sms', recipients: sms.recipients }),
    status: 400,
    path: 'content',
  },
  { name: 'content not an object', event: body({ ...sms, content: 'hi' }), status: 400, path: 'content' },
  { name: 'missing content.body', event: body({ ...sms, content: {} }), status: 400, path: 'content.body' },
  {
    name: 'empty content.body',
    event: body({ ...sms, content: { body: '' } }),
    status: 400,
    path: 'content.body',
  },
  {
    name: 'content.body of 2001 chars',
    event: body({ ...sms, content: { body: 'x'.repeat(2001) } }),
    status: 400,
    path: 'content.body',
  },
  {
    name: 'content.body of 2001 emoji',
    event: body({ ...sms, content: { body: '😀'.repeat(2001) } }),
    status: 400,
    path: 'content.body',
  },
  {
    name: 'content.body with a lone surrogate',
    event: body(`{"channel":"sms","recipients":["+821012345678"],"content":{"body":"\\ud800"}}`),
    status: 400,
    path: 'content.body',
  },
  {
    name: 'content.title of 201 chars',
    event: body({ ...sms, content: { body: 'hi', title: 't'.repeat(201) } }),
    status: 400,
    path: 'content.title',
  },
  {
    name: 'content.title a number',
    event: body({ ...sms, content: { body: 'hi', title: 7 } }),
    status: 400,
    path: 'content.title',
  },
  { name: 'unknown field at the top', event: body({ ...sms, sender: 'me' }), status: 400, path: 'sender' },
  {
    name: 'unknown field in content',
    event: body({ ...sms, content: { body: 'hi', html: '<b>' } }),
    status: 400,
    path: 'content.html',
  },
  { name: 'unknown priority', event: body({ ...sms, priority: 'urgent' }), status: 400, path: 'priority' },
  { name: 'null priority', event: body({ ...sms, priority: null }), status: 400, path: 'priority' },
  {
    name: 'Idempotency-Key of 256 chars',
    event: withKey('k'.repeat(256)),
    status: 400,
    path: 'Idempotency-Key',
  },
  { name: 'empty Idempotency-Key', event: withKey(''), status: 400, path: 'Idempotency-Key' },
  {
    name: 'Idempotency-Key with a control char',
    event: withKey('key\u0007'),
    status: 400,
    path: 'Idempotency-Key',
  },
  { name: 'Idempotency-Key with non-ASCII', event: withKey('clé'), status: 400, path: 'Idempotency-Key' },
  { name: 'text/plain body', event: { body: sms, headers: { 'content-type': 'text/plain' } }, status: 415 },
  { name: 'no content type', event: { body: sms, headers: { 'content-type': undefined } }, status: 415 },
  {
    name: 'form-encoded body',
    event: { body: 'channel=sms', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    status: 415,
  },
  {
    name: 'JSON in latin1',
    event: { body: sms, headers: { 'content-type': 'application/json; charset=iso-8859-1' } },
    status: 415,
  },
  { name: 'body over 256 KiB', event: body({ ...sms, padding: 'x'.repeat(MAX_BODY_BYTES) }), status: 413 },
  {
    name: 'base64 body over 256 KiB',
    event: { body: JSON.stringify({ ...sms, padding: 'x'.repeat(MAX_BODY_BYTES) }), isBase64Encoded: true },
    status: 413,
  },
];

describe('POST /v1/messages refuses bad input with a 4xx, never a 5xx', () => {
  it('has a table of at least 30 malformed requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status $path', async ({ event, status, path }) => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent(event));
    expect(response.statusCode).toBe(status);
    const error = errorBody.parse(response.json);
    if (path !== undefined) expect(error.issues?.[0]?.path).toBe(path);
    expect(ingest.records()).toHaveLength(0);
    expect(ingest.producer.sendCalls).toBe(0);
  });

  it('reports every problem at once, header and body', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(
      apiEvent({
        body: {
          ...sms,
          recipients: ['+821012345678', 'bad', '+14155550100', 'worse'],
          content: { body: '', extra: 1 },
        },
        headers: { 'idempotency-key': '' },
      }),
    );
    expect(response.statusCode).toBe(400);
    expect(errorBody.parse(response.json).issues?.map((i) => i.path)).toEqual([
      'Idempotency-Key',
      'recipients[1]',
      'recipients[3]',
      'content.body',
      'content.extra',
    ]);
  });

  it.each([
    ['application/json; charset=utf-8', 202],
    ['Application/JSON', 202],
    ['application/merge-patch+json', 202],
  ])('accepts content type %s', async (contentType, status) => {
    const ingest = fakeIngest();
    const response = await ingest.call(apiEvent({ body: sms, headers: { 'content-type': contentType } }));
    expect(response.statusCode).toBe(status);
  });

  it('accepts exactly 100 recipients and a body of exactly 2000 characters', async () => {
    const ingest = fakeIngest();
    const response = await ingest.call(
      apiEvent({
        body: {
          ...sms,
          recipients: phones(100),
          content: { body: '😀'.repeat(2000), title: 't'.repeat(200) },
        },
      }),
    );
    expect(response.statusCode).toBe(202);
    expect(ingest.records()).toHaveLength(100);
  });
});
