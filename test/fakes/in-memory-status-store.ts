/**
 * In-memory StatusStore for unit tests, with the same semantics as RedisStatusStore (checked by
 * test/fakes/contracts/status-store.contract.ts): statuses only move forward, entries expire.
 */
import { DependencyUnavailableError } from '../../lambdas/core/errors.ts';
import { applyStatusWrite } from '../../lambdas/core/status-precedence.ts';
import type {
  RecipientStatus,
  RequestStatus,
  StatusStore,
  StatusUpdate,
} from '../../lambdas/ports/status-store.ts';

interface Entry {
  index?: number;
  recipient?: string;
  status: Omit<RecipientStatus, 'deliveryId' | 'recipient'>;
}

interface StoredRequest {
  meta?: { clientId: string; acceptedAt: string; expiresAtMs: number };
  deliveries: Map<string, Entry>;
  deliveriesExpireAtMs: number;
}

/** A fake status store. */
export class InMemoryStatusStore implements StatusStore {
  readonly #requests = new Map<string, StoredRequest>();
  readonly #retentionMs: number;
  /** Number of `recordUpdates` calls (each stands for one round trip). */
  updateBatches = 0;
  /** Makes every call fail with DependencyUnavailableError while true (Redis down), as RedisStatusStore does. */
  isUnavailable = false;

  constructor(options: { retentionSeconds: number } = { retentionSeconds: 7 * 86_400 }) {
    this.#retentionMs = options.retentionSeconds * 1000;
  }

  #request(requestId: string): StoredRequest {
    let stored = this.#requests.get(requestId);
    if (stored && stored.deliveriesExpireAtMs <= Date.now()) stored.deliveries.clear();
    if (stored?.meta && stored.meta.expiresAtMs <= Date.now()) delete stored.meta;
    if (!stored) {
      stored = { deliveries: new Map(), deliveriesExpireAtMs: 0 };
      this.#requests.set(requestId, stored);
    }
    return stored;
  }

  #check(): void {
    if (this.isUnavailable) throw new DependencyUnavailableError('redis', 'simulated: Redis unavailable');
  }

  async recordAccepted(status: RequestStatus): Promise<void> {
    this.#check();
    const stored = this.#request(status.requestId);
    const expiresAtMs = Date.now() + this.#retentionMs;
    stored.meta = {
      clientId: stored.meta?.clientId ?? status.clientId,
      acceptedAt: stored.meta?.acceptedAt ?? status.acceptedAt,
      expiresAtMs,
    };
    status.recipients.forEach((r, index) => {
      const existing = stored.deliveries.get(r.deliveryId);
      const base = existing?.status ?? { state: r.state, updatedAt: r.updatedAt };
      stored.deliveries.set(r.deliveryId, { index, recipient: r.recipient, status: base });
    });
    stored.deliveriesExpireAtMs = expiresAtMs;
  }

  async recordUpdates(updates: readonly StatusUpdate[]): Promise<void> {
    this.#check();
    this.updateBatches += 1;
    for (const update of updates) {
      const stored = this.#request(update.requestId);
      const entry = stored.deliveries.get(update.deliveryId) ?? {
        status: { state: update.state, updatedAt: '' },
      };
      const current = entry.status.updatedAt === '' ? undefined : entry.status;
      entry.status = applyStatusWrite(current, {
        state: update.state,
        updatedAt: update.at,
        ...(update.vendor ? { vendor: update.vendor } : {}),
        ...(update.reason ? { reason: update.reason } : {}),
      });
      stored.deliveries.set(update.deliveryId, entry);
      const expiresAtMs = Date.now() + this.#retentionMs;
      stored.deliveriesExpireAtMs = expiresAtMs;
      if (stored.meta) stored.meta.expiresAtMs = expiresAtMs;
    }
  }

  async read(requestId: string, clientId: string): Promise<RequestStatus | undefined> {
    this.#check();
    const stored = this.#request(requestId);
    if (!stored.meta || stored.meta.clientId !== clientId) return undefined;
    const recipients = [...stored.deliveries.entries()]
      .filter(([, entry]) => entry.recipient !== undefined)
      .sort(([, a], [, b]) => (a.index ?? 0) - (b.index ?? 0))
      .map(([deliveryId, entry]) => ({ deliveryId, recipient: entry.recipient ?? '', ...entry.status }));
    return { requestId, clientId, acceptedAt: stored.meta.acceptedAt, recipients };
  }
}
