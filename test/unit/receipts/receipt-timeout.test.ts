import { describe, expect, it } from 'vitest';
import { RECEIPT_TIMEOUT_MS, withReceiptTimeout } from '../../../lambdas/core/receipt-timeout.ts';

const sentAt = '2026-11-26T10:00:00.000Z';
const sentMs = Date.parse(sentAt);

describe('withReceiptTimeout', () => {
  it('reads a delivery sent 72 h ago without a receipt as unknown, keeping its vendor', () => {
    const status = { deliveryId: 'd', state: 'sent', vendor: 'sms-a', updatedAt: sentAt };

    expect(withReceiptTimeout(status, sentMs + RECEIPT_TIMEOUT_MS)).toEqual({
      deliveryId: 'd',
      state: 'unknown',
      vendor: 'sms-a',
      reason: 'no delivery receipt within 72 h',
      updatedAt: sentAt,
    });
  });

  it('leaves a delivery sent less than 72 h ago as sent', () => {
    const status = { state: 'sent', updatedAt: sentAt };

    expect(withReceiptTimeout(status, sentMs + RECEIPT_TIMEOUT_MS - 1)).toBe(status);
  });

  it.each(['queued', 'failed', 'delivered', 'bounced'])('never changes a %s delivery', (state) => {
    const status = { state, updatedAt: sentAt };

    expect(withReceiptTimeout(status, sentMs + 10 * RECEIPT_TIMEOUT_MS)).toBe(status);
  });
});
