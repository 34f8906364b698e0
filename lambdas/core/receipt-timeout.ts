/**
 * The receipt timeout: a delivery still `sent` 72 h after the vendor accepted it will get no receipt
 * (End User Messaging gives up on carrier receipts after 72 h and reports UNKNOWN; vendors without
 * receipts never report), so it reads as `unknown`. Applied when a status is read, not stored: no
 * sweep has to find such deliveries, and a receipt that arrives later still wins (it is stored, and
 * `unknown` ranks below every receipt state).
 */

/** Why 72 h: the providers' own limit for carrier delivery receipts. */
export const RECEIPT_TIMEOUT_MS = 72 * 3_600_000;

/** The reason shown for a timed-out delivery. */
export const RECEIPT_TIMEOUT_REASON = 'no delivery receipt within 72 h';

/** A status as read, with `sent` past the timeout shown as `unknown`. */
export function withReceiptTimeout<
  S extends { readonly state: string; readonly updatedAt: string; readonly reason?: string },
>(
  status: S,
  nowMs: number,
  timeoutMs = RECEIPT_TIMEOUT_MS,
): S | (Omit<S, 'state' | 'reason'> & { state: 'unknown'; reason: string }) {
  const sentAtMs = Date.parse(status.updatedAt);
  if (status.state !== 'sent' || Number.isNaN(sentAtMs) || nowMs - sentAtMs < timeoutMs) return status;
  return { ...status, state: 'unknown', reason: RECEIPT_TIMEOUT_REASON };
}
