/**
 * What the receipts and dead-letters apps call when a delivery reaches a final state: queues a signed
 * callback for clients that registered a webhook, and nothing for the others. A queued callback is
 * delivered at least once by the callbacks Lambda (app.ts).
 */
import { callbackEventFor } from '../core/callback.ts';
import { type FinalState, isFinalState } from '../core/status-precedence.ts';
import type { CallbackQueue } from '../ports/callback-queue.ts';

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

/** Queues callbacks for final states. */
export interface CallbackNotifier {
  notify(reached: readonly ReachedState[]): Promise<void>;
}

/** A notifier over `queue` for the clients in `clientsWithWebhooks`. */
export function queueingNotifier(
  queue: CallbackQueue,
  clientsWithWebhooks: ReadonlySet<string>,
  clock: () => Date = () => new Date(),
): CallbackNotifier {
  return {
    async notify(reached) {
      const nowMs = clock().getTime();
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
