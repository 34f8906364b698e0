/**
 * In-memory StatusStore for unit tests, with the same semantics as RedisStatusStore (checked by
 * test/fakes/contracts/status-store.contract.ts): statuses by position, only moving forward, times
 * to the second (to the minute after 9 h), updates before the accept applied when it comes, a record
 * rebuilt from updates that carry what it takes (partial until the accept completes it), a request
 * expiring at the end of its page (bucket end + retention), DependencyUnavailableError when "down".
 */
import { STATUS_PAGES_PER_RETENTION } from '../../lambdas/adapters/redis-status-store.ts';
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import { applyStatusWrite, type StatusFields } from '../../lambdas/core/status-precedence.ts';
import {
  canRebuild,
  clampText,
  isRecordPosition,
  offsetMsOf,
  timeCodeOf,
} from '../../lambdas/core/status-record.ts';
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
  /** Set while the record is one rebuilt from updates: the request's delivery count. */
  readonly partialCount?: number;
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

  #expiresAtMs(): number {
    const bucket = Math.floor(Date.now() / 1000 / this.#spanSeconds);
    return ((bucket + 1) * this.#spanSeconds + this.#retentionSeconds) * 1000;
  }

  async recordAccepted(request: AcceptedRequest): Promise<void> {
    this.#check('record accepted');
    const old = this.#live(request.requestId);
    if (old && old.partialCount === undefined) return;
    const acceptedAtMs = Date.parse(request.acceptedAt);
    const stored: StoredRequest = {
      clientId: request.clientId,
      acceptedAtMs,
      // Why the old expiry: a rebuilt record is completed where it lies, in its page.
      expiresAtMs: old?.expiresAtMs ?? this.#expiresAtMs(),
      slots: new Map(
        request.deliveries.map((d) => [
          d.deliveryId,
          { position: d.position, status: { state: 'queued', updatedAt: request.acceptedAt } },
        ]),
      ),
    };
    this.#requests.set(request.requestId, stored);
    for (const [deliveryId, { status }] of old?.slots ?? []) {
      this.#apply(stored, { ...status, at: status.updatedAt, deliveryId });
    }
    for (const update of this.#early.get(request.requestId) ?? []) this.#apply(stored, update);
    this.#early.delete(request.requestId);
  }

  async recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    this.#check('record updates');
    this.updateBatches += 1;
    const byRequest = new Map<string, StatusUpdate[]>();
    for (const update of updates)
      byRequest.set(update.requestId, [...(byRequest.get(update.requestId) ?? []), update]);
    for (const [requestId, group] of byRequest) {
      let stored = this.#live(requestId);
      const rebuild = group.find(canRebuild);
      if (!stored && rebuild) {
        stored = {
          clientId: rebuild.clientId,
          acceptedAtMs: Date.parse(rebuild.acceptedAt),
          expiresAtMs: this.#expiresAtMs(),
          slots: new Map(),
          partialCount: rebuild.deliveryCount,
        };
        this.#requests.set(requestId, stored);
      }
      if (!stored) {
        this.#early.set(requestId, [...(this.#early.get(requestId) ?? []), ...group]);
        continue;
      }
      for (const update of group) this.#apply(stored, update);
      // Why again: a rebuilt record takes the updates that waited for an accept as their slots appear.
      if (stored.partialCount !== undefined)
        for (const update of this.#early.get(requestId) ?? []) this.#apply(stored, update);
    }
  }

  #apply(
    stored: StoredRequest,
    update: Pick<StatusUpdate, 'deliveryId' | 'state' | 'vendor' | 'reason' | 'at' | 'position'>,
  ): void {
    const slot = stored.slots.get(update.deliveryId);
    const offsetMs = offsetMsOf(timeCodeOf(Date.parse(update.at) - stored.acceptedAtMs));
    const vendor = clampText(update.vendor ?? '');
    const reason = clampText(update.reason ?? '');
    const status = applyStatusWrite(slot?.status, {
      state: update.state,
      updatedAt: new Date(stored.acceptedAtMs + offsetMs).toISOString(),
      ...(vendor ? { vendor } : {}),
      ...(reason ? { reason } : {}),
    });
    if (slot) {
      slot.status = status;
      return;
    }
    // A rebuilt record takes a delivery it has not seen at its position, when that is free.
    const { position } = update;
    if (stored.partialCount === undefined || !isRecordPosition(position)) return;
    if ([...stored.slots.values()].some((s) => s.position === position)) return;
    stored.slots.set(update.deliveryId, { position, status });
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
    const unseenDeliveries = Math.max(0, (stored.partialCount ?? 0) - stored.slots.size);
    return {
      requestId,
      clientId,
      acceptedAt: new Date(stored.acceptedAtMs).toISOString(),
      recipients,
      ...(unseenDeliveries > 0 ? { unseenDeliveries } : {}),
    };
  }
}
