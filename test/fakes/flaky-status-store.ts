/**
 * A StatusStore that refuses the first `failures` accept writes as an unreachable Redis would
 * (DependencyUnavailableError), then passes every call to the store it wraps: the real Redis store in
 * integration tests, the in-memory one in unit tests.
 */
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import type {
  AcceptedRequest,
  RecipientStatus,
  RequestStatus,
  StatusStore,
  StatusUpdate,
} from '../../lambdas/ports/status-store.ts';

/** Fails accept writes while `failures` is above zero. */
export class FlakyStatusStore implements StatusStore {
  readonly #inner: StatusStore;
  /** Accept writes still to refuse (Infinity: all of them). */
  failures: number;
  /** Accept writes tried, refused or not. */
  acceptAttempts = 0;

  constructor(inner: StatusStore, failures: number) {
    this.#inner = inner;
    this.failures = failures;
  }

  async recordAccepted(request: AcceptedRequest): Promise<void> {
    this.acceptAttempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new DependencyUnavailableError('redis', 'status record accepted failed', {
        cause: new Error('simulated: Redis refused the write'),
      });
    }
    return this.#inner.recordAccepted(request);
  }

  recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    return this.#inner.recordUpdates(updates);
  }

  read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    return this.#inner.read(requestId, clientId);
  }

  readDelivery(
    requestId: string,
    clientId: string,
    deliveryId: string,
  ): Promise<RecipientStatus | undefined> {
    return this.#inner.readDelivery(requestId, clientId, deliveryId);
  }
}
