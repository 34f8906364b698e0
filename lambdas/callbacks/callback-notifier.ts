/**
 * What dispatch, receipts and dead letters call when a delivery reaches a state: queues a signed
 * callback for each final state of a client that registered a webhook, and nothing for the others. A
 * queued callback is delivered at least once by the callbacks Lambda (app.ts). A webhook client's
 * `sent` delivery is also added to the receipt timeouts: if no receipt moves it on within the timeout,
 * the callbacks Lambda's sweep records it `unknown` and queues that callback (receipt-timeout-sweep.ts).
 */
import { callbackEventFor } from '../core/callback.ts';
import { RECEIPT_TIMEOUT_MS } from '../core/receipt-timeout.ts';
import { type FinalState, isFinalState } from '../core/status-precedence.ts';
import type { CallbackQueue } from '../ports/callback-queue.ts';
import type { ReceiptTimeouts } from '../ports/receipt-timeouts.ts';

/** One delivery that reached a state. */
export interface ReachedState {
  readonly clientId: string;
  readonly requestId: string;
  readonly deliveryId: string;
  readonly state: string;
  readonly reason?: string;
  readonly vendor?: string;
  readonly at: string;
}

/** Queues callbacks for final states (and arranges the receipt timeout of `sent` ones). */
export interface CallbackNotifier {
  /** Records durably or throws (DependencyUnavailableError): the caller retries what it was told. */
  notify(reached: readonly ReachedState[]): Promise<void>;
}

/** Where the notifier adds webhook clients' `sent` deliveries. */
export interface ReceiptTimeoutArrangement {
  readonly store: ReceiptTimeouts;
  /** @default RECEIPT_TIMEOUT_MS (72 h) */
  readonly timeoutMs?: number;
}

/**
 * A notifier over `queue` for the clients in `clientsWithWebhooks`; with `receiptTimeouts`, their
 * `sent` deliveries are added there, due when the timeout after `at` runs out.
 */
export function queueingNotifier(
  queue: CallbackQueue,
  clientsWithWebhooks: ReadonlySet<string>,
  clock: () => Date = () => new Date(),
  receiptTimeouts?: ReceiptTimeoutArrangement,
): CallbackNotifier {
  return {
    async notify(reached) {
      const nowMs = clock().getTime();
      if (receiptTimeouts) {
        const timeoutMs = receiptTimeouts.timeoutMs ?? RECEIPT_TIMEOUT_MS;
        const sent = reached.filter((r) => r.state === 'sent' && clientsWithWebhooks.has(r.clientId));
        if (sent.length > 0)
          await receiptTimeouts.store.add(
            sent.map((r) => ({
              clientId: r.clientId,
              requestId: r.requestId,
              deliveryId: r.deliveryId,
              dueMs: (Date.parse(r.at) || nowMs) + timeoutMs,
            })),
          );
      }
      const callbacks = reached
        .filter((r): r is ReachedState & { state: FinalState } => isFinalState(r.state))
        .filter((r) => clientsWithWebhooks.has(r.clientId))
        .map((r) => ({
          clientId: r.clientId,
          attempts: 0,
          firstAttemptMs: nowMs,
          event: callbackEventFor({
            requestId: r.requestId,
            deliveryId: r.deliveryId,
            state: r.state,
            ...(r.reason ? { reason: r.reason } : {}),
            ...(r.vendor ? { vendor: r.vendor } : {}),
            occurredAt: r.at,
          }),
        }));
      await queue.add(callbacks, nowMs);
    },
  };
}
