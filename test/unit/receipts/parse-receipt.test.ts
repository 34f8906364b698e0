import { describe, expect, it } from 'vitest';
import { readReceiptTags, receiptTagsFor } from '../../../lambdas/core/receipt-tags.ts';
import { parseReceipt } from '../../../lambdas/core/receipts.ts';
import { type ReceiptFixture, sampleEvent, taggedEvent } from '../../support/receipt-events.ts';

const ids = {
  deliveryId: '61LjUq81A0bRoedfwlvj8A',
  requestId: '0659b01ab0632d1f8859612aee97574b20e940e60500a5e42cf5de0e627dd7c2',
  clientId: 'arn:aws:iam::123456789012:role/orders-service',
};

describe('parseReceipt', () => {
  it.each<[ReceiptFixture, string, RegExp]>([
    ['ses-delivery', 'delivered', /^delivered: smtp 250$/],
    ['ses-bounce', 'bounced', /^Permanent\/General 5\.1\.1$/],
    ['ses-complaint', 'complained', /^complaint: abuse$/],
    ['ses-reject', 'undeliverable', /^rejected: Bad content$/],
    ['eum-sms-text-delivered', 'delivered', /^DELIVERED: Message has been accepted by phone$/],
    ['eum-sms-text-successful', 'delivered', /^SUCCESSFUL: /],
  ])('reads the AWS sample %s as %s with the provider reason', (fixture, state, reason) => {
    const parsed = parseReceipt(taggedEvent(fixture, ids));

    expect(parsed.kind).toBe('receipt');
    if (parsed.kind !== 'receipt') return;
    expect(parsed.receipt).toMatchObject({ ...ids, state });
    expect(parsed.receipt.reason).toMatch(reason);
    expect(parsed.receipt.reason).not.toContain('@');
    expect(Date.parse(parsed.receipt.at)).not.toBeNaN();
  });

  it.each([
    ['TEXT_BLOCKED', 'undeliverable'],
    ['TEXT_TTL_EXPIRED', 'undeliverable'],
    ['TEXT_CARRIER_UNREACHABLE', 'undeliverable'],
    ['TEXT_INVALID', 'undeliverable'],
    ['TEXT_SPAM', 'undeliverable'],
    ['TEXT_UNKNOWN', 'unknown'],
  ])('maps the SMS event %s to %s', (eventType, state) => {
    const parsed = parseReceipt(
      taggedEvent('eum-sms-text-delivered', ids, { eventType, messageStatus: eventType.slice(5) }),
    );

    expect(parsed).toMatchObject({ kind: 'receipt', receipt: { state, eventType } });
  });

  it('takes the SES API spelling of event types (DELIVERY, BOUNCE) too', () => {
    const parsed = parseReceipt(taggedEvent('ses-bounce', ids, { eventType: 'BOUNCE' }));

    expect(parsed).toMatchObject({ kind: 'receipt', receipt: { state: 'bounced' } });
  });

  it('ignores events that move no status: a delivery delay, a pending SMS', () => {
    expect(parseReceipt(taggedEvent('ses-delivery-delay', ids)).kind).toBe('ignored');
    expect(parseReceipt(taggedEvent('eum-sms-text-delivered', ids, { eventType: 'TEXT_PENDING' })).kind).toBe(
      'ignored',
    );
  });

  it('leaves an untagged sample event unmatched, naming the provider message id', () => {
    const parsed = parseReceipt(sampleEvent('ses-delivery'));

    expect(parsed).toMatchObject({
      kind: 'unmatched',
      providerMessageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
    });
  });

  it('leaves events of other sources unmatched', () => {
    expect(parseReceipt({ ...taggedEvent('ses-delivery', ids), source: 'aws.ec2' }).kind).toBe('unmatched');
  });
});

describe('receiptTagsFor', () => {
  it('round-trips ids through SES tag values (only letters, digits, _ and -)', () => {
    const tags = receiptTagsFor(ids);

    for (const value of Object.values(tags)) expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readReceiptTags(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, [v]])))).toEqual({
      ok: true,
      ids,
    });
  });

  it('refuses a malformed deliveryId', () => {
    expect(readReceiptTags({ ...receiptTagsFor(ids), deliveryId: 'short' })).toMatchObject({ ok: false });
  });
});
