/**
 * Push recipients name their service (`fcm:<token>` / `apns:<hex>`): the API validates each token's
 * format and names the field of each bad one; APNs tokens are compared without case; the deliveryId
 * of SMS and e-mail recipients is what it always was.
 */
import { describe, expect, it } from 'vitest';
import { deliveryIdFor } from '../../../lambdas/core/delivery.ts';
import { parsePushRecipient } from '../../../lambdas/core/push-recipient.ts';
import { errorBody } from '../../../lambdas/ingest/request-schema.ts';
import { apiEvent } from './support/api-event.ts';
import { fakeIngest } from './support/harness.ts';

const fcmToken = `dQw4w9WgXcQ:APA91bH${'x'.repeat(140)}`;
const apnsToken = 'a1'.repeat(32);
const push = (recipients: unknown[]) => ({ channel: 'push', recipients, content: { body: 'hi' } });

describe('push recipients', () => {
  it.each([
    ['an FCM token', `fcm:${fcmToken}`],
    ['an FCM token of 500 characters', `fcm:${'A'.repeat(500)}`],
    ['an APNs token of 32 bytes', `apns:${apnsToken}`],
    ['an APNs token in upper case', `apns:${apnsToken.toUpperCase()}`],
    ['an APNs token of 100 bytes', `apns:${'0f'.repeat(100)}`],
  ])('accepts %s', async (_name, recipient) => {
    const response = await fakeIngest().call(apiEvent({ body: push([recipient]) }));
    expect(response.statusCode).toBe(202);
  });

  it.each([
    ['a bare token', fcmToken],
    ['an unknown service', `gcm:${fcmToken}`],
    ['an upper-case service', `FCM:${fcmToken}`],
    ['an empty FCM token', 'fcm:'],
    ['an FCM token of 501 characters', `fcm:${'A'.repeat(501)}`],
    ['an FCM token with a slash', 'fcm:abc/def'],
    ['an FCM token with a newline', 'fcm:abc\ndef'],
    ['an APNs token that is not hex', `apns:${'zz'.repeat(32)}`],
    ['an APNs token of 31 bytes', `apns:${'ab'.repeat(31)}`],
    ['an APNs token of odd length', `apns:${'a'.repeat(65)}`],
    ['an APNs token of 101 bytes', `apns:${'ab'.repeat(101)}`],
    ['an APNs token with a space', `apns:${'ab'.repeat(16)} ${'ab'.repeat(16)}`],
    ['a phone number', '+821012345678'],
    ['a number', 42],
  ])('refuses %s with a 400 naming the field', async (_name, recipient) => {
    const response = await fakeIngest().call(apiEvent({ body: push([`fcm:${fcmToken}`, recipient]) }));
    expect(response.statusCode).toBe(400);
    const issues = errorBody.parse(response.json).issues ?? [];
    expect(issues.map((issue) => issue.path)).toEqual(['recipients[1]']);
    if (typeof recipient === 'string') {
      expect(issues[0]?.message).toMatch(
        /^must be fcm:<FCM registration token> .* or apns:<APNs device token>/,
      );
    }
  });

  it('names every bad recipient at once', async () => {
    const response = await fakeIngest().call(
      apiEvent({ body: push(['bad', `apns:${apnsToken}`, 'fcm:', 'x']) }),
    );
    expect(errorBody.parse(response.json).issues?.map((issue) => issue.path)).toEqual([
      'recipients[0]',
      'recipients[2]',
      'recipients[3]',
    ]);
  });

  it('treats an APNs token in either case as one recipient, kept in lower case', async () => {
    const ingest = fakeIngest();
    const body = push([`apns:${apnsToken.toUpperCase()}`, `apns:${apnsToken}`, `fcm:${fcmToken}`]);
    expect((await ingest.call(apiEvent({ body }))).json).toMatchObject({
      accepted: 2,
      collapsedDuplicates: 1,
    });
    expect(ingest.records().map((record) => record.key)).toEqual([`apns:${apnsToken}`, `fcm:${fcmToken}`]);
  });

  it('keeps FCM tokens as sent (they are case-sensitive)', async () => {
    const ingest = fakeIngest();
    await ingest.call(apiEvent({ body: push(['fcm:AbC', 'fcm:abc']) }));
    expect(ingest.records().map((record) => record.key)).toEqual(['fcm:AbC', 'fcm:abc']);
  });
});

describe('parsePushRecipient', () => {
  it.each([
    [`fcm:${fcmToken}`, { service: 'fcm', token: fcmToken }],
    [`apns:${apnsToken}`, { service: 'apns', token: apnsToken }],
    ['fcm:a:b:c', { service: 'fcm', token: 'a:b:c' }],
    [apnsToken, undefined],
    ['apns:abc', undefined],
  ])('parses %s', (recipient, expected) => {
    expect(parsePushRecipient(recipient)).toEqual(expected);
  });
});

describe('deliveryIdFor', () => {
  it('derives the same ids for SMS and e-mail recipients as before push recipients named a service', () => {
    const requestId = 'a'.repeat(64);
    expect(deliveryIdFor(requestId, '+821012345678')).toBe('0_wUxbcygRZwGVR9ykgzRQ');
    expect(deliveryIdFor(requestId, 'kim@example.com')).toBe('F0IY_hd-E11wOhyJamyUkw');
  });
});
