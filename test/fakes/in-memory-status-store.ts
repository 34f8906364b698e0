/**
 * In-memory StatusStore for unit tests, with the same semantics as RedisStatusStore (checked by
 * test/fakes/contracts/status-store.contract.ts): statuses by position, only moving forward, times
 * to the second (to the minute after 9 h), updates before the accept applied when it comes, a request
 * expiring at the end of its page (bucket end + retention), DependencyUnavailableError when "down".
 */
import { STATUS_PAGES_PER_RETENTION } from '../../lambdas/adapters/redis-status-store.ts';
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import { applyStatusWrite, type StatusFields } from '../../lambdas/core/status-precedence.ts';
import { clampText, offsetMsOf, timeCodeOf } from '../../lambdas/core/status-record.ts';
import type {
  AcceptedRequest,
  RecipientStatus,
  RequestStatus,
  StatusStore,
  StatusUpdate,
} from '../../lambdas/ports/status-store.ts';

interface StoredRequest {
  readonly clientId: string;
  readonly acceptedAtMs: number;
  readonly expiresAtMs: number;
  /** deliveryId → position and status. */
  readonly slots: Map<string, { position: number; status: StatusFields }>;
}

/** A fake status store. */
export class InMemoryStatusStore implements StatusStore {
  readonly #requests = new Map<string, StoredRequest>();
  readonly #early = new Map<string, StatusUpdate[]>();
  readonly #retentionSeconds: number;
  readonly #spanSeconds: number;
  /** Number of `recordUpdates` calls (each stands for one round trip). */
  updateBatches = 0;
  /** Makes every call fail as RedisStatusStore does when Redis is down, while true. */
  isUnavailable = false;

  constructor(options: { retentionSeconds: number } = { retentionSeconds: 7 * 86_400 }) {
    this.#retentionSeconds = options.retentionSeconds;
    this.#spanSeconds = Math.max(1, Math.ceil(options.retentionSeconds / STATUS_PAGES_PER_RETENTION));
  }

  #check(operation: string): void {
    if (this.isUnavailable)
      throw new DependencyUnavailableError('redis', `status ${operation} failed`, {
        cause: new Error('simulated: Redis unavailable'),
      });
  }

  #live(requestId: string): StoredRequest | undefined {
    const stored = this.#requests.get(requestId);
    if (stored && stored.expiresAtMs <= Date.now()) this.#requests.delete(requestId);
    return this.#requests.get(requestId);
  }

  async recordAccepted(request: AcceptedRequest): Promise<void> {
    this.#check('record accepted');
    if (this.#live(request.requestId)) return;
    const acceptedAtMs = Date.parse(request.acceptedAt);
    const bucket = Math.floor(Date.now() / 1000 / this.#spanSeconds);
    const stored: StoredRequest = {
      clientId: request.clientId,
      acceptedAtMs,
      expiresAtMs: ((bucket + 1) * this.#spanSeconds + this.#retentionSeconds) * 1000,
      slots: new Map(
        request.deliveries.map((d) => [
          d.deliveryId,
          { position: d.position, status: { state: 'queued', updatedAt: request.acceptedAt } },
        ]),
      ),
    };
    this.#requests.set(request.requestId, stored);
    for (const update of this.#early.get(request.requestId) ?? []) this.#apply(stored, update);
    this.#early.delete(request.requestId);
  }

  async recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    this.#check('record updates');
    this.updateBatches += 1;
    for (const update of updates) {
      const stored = this.#live(update.requestId);
      if (stored) this.#apply(stored, update);
      else this.#early.set(update.requestId, [...(this.#early.get(update.requestId) ?? []), update]);
    }
  }

  #apply(stored: StoredRequest, update: StatusUpdate): void {
    const slot = stored.slots.get(update.deliveryId);
    if (!slot) return;
    const offsetMs = offsetMsOf(timeCodeOf(Date.parse(update.at) - stored.acceptedAtMs));
    const vendor = clampText(update.vendor ?? '');
    const reason = clampText(update.reason ?? '');
    slot.status = applyStatusWrite(slot.status, {
      state: update.state,
      updatedAt: new Date(stored.acceptedAtMs + offsetMs).toISOString(),
      ...(vendor ? { vendor } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  async readDelivery(
    requestId: string,
    clientId: string,
    deliveryId: string,
  ): Promise<RecipientStatus | undefined> {
    this.#check('read');
    const stored = this.#live(requestId);
    if (!stored || stored.clientId !== clientId) return undefined;
    const slot = stored.slots.get(deliveryId);
    return slot && { position: slot.position, ...slot.status };
  }

  async read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    this.#check('read');
    const stored = this.#live(requestId);
    if (!stored || stored.clientId !== clientId) return undefined;
    const recipients: RecipientStatus[] = [...stored.slots.values()]
      .sort((a, b) => a.position - b.position)
      .map(({ position, status }) => ({ position, ...status }));
    return { requestId, clientId, acceptedAt: new Date(stored.acceptedAtMs).toISOString(), recipients };
  }
}
