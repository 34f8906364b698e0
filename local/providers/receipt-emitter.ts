/**
 * What the SES and End User Messaging SMS fakes share to publish their receipt events: as the real
 * services do through a configuration set's EventBridge event destination, some time after the send
 * was answered, they PutEvents (AWS JSON 1.1, `AWSEvents.PutEvents`) to the local event bus
 * (local/event-bus). Emission never changes a send's answer: it starts after the answer, and a
 * PutEvents that fails is retried a few times and then logged (at warn, ids only: no address).
 *
 * Settings (the fake's admin endpoint, `GET/PUT /receipts`): `enabled` (false: no receipt at all, as
 * with a configuration set without event destination) and `delayMs` (how long after the send the
 * events go out; a real receipt arrives seconds later).
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** One event a provider publishes (a PutEvents entry, `Detail` still an object). */
export interface ReceiptEvent {
  readonly source: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly resources?: readonly string[];
}

/** Receipt settings of a fake. */
export interface ReceiptSettings {
  readonly enabled: boolean;
  readonly delayMs: number;
}

/** Default: on, one second after the send (real receipts take seconds). */
export const DEFAULT_RECEIPT_SETTINGS: ReceiptSettings = { enabled: true, delayMs: 1_000 };

/** Problems with a settings patch, as the admin endpoint reports them. */
export function receiptSettingsProblems(patch: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') problems.push('enabled must be a boolean');
    } else if (key === 'delayMs') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 3_600_000)
        problems.push('delayMs must be an integer 0..3600000');
    } else problems.push(`unknown receipt setting ${key}`);
  }
  return problems;
}

/** Structured log line (the fakes print JSON lines, like the other local components). */
export type EmitterLog = (level: 'warn' | 'debug', message: string, fields: Record<string, unknown>) => void;

/** How an emitter reaches the bus. */
export interface ReceiptEmitterOptions {
  /** The PutEvents endpoint; without one, events are counted as not published. */
  readonly eventBusUrl?: string;
  readonly settings?: Partial<ReceiptSettings>;
  /** @default 3 */
  readonly attempts?: number;
  readonly log?: EmitterLog;
}

const defaultLog: EmitterLog = (level, message, fields) => {
  if (level === 'debug') return;
  console.error(JSON.stringify({ level: level.toUpperCase(), service: 'provider-fake', message, ...fields }));
};

/** Publishes receipt events after a delay, never blocking or failing the send that caused them. */
export class ReceiptEmitter {
  #settings: ReceiptSettings;
  readonly #options: ReceiptEmitterOptions;
  readonly #pending = new Set<Promise<void>>();
  readonly #stopped = new AbortController();
  #published = 0;
  #failed = 0;

  constructor(options: ReceiptEmitterOptions) {
    this.#options = options;
    this.#settings = { ...DEFAULT_RECEIPT_SETTINGS, ...options.settings };
  }

  /** The current settings. */
  settings(): ReceiptSettings {
    return this.#settings;
  }

  /** Merges a (validated) patch into the settings. */
  setSettings(patch: Partial<ReceiptSettings>): ReceiptSettings {
    this.#settings = { ...this.#settings, ...patch };
    return this.#settings;
  }

  /** Events published and events given up on, since start. */
  counts(): { published: number; failed: number } {
    return { published: this.#published, failed: this.#failed };
  }

  /**
   * Schedules the events `build` makes when the delay is over (given that moment, so their
   * timestamps are the event's), in order in one PutEvents call; `ids` go in the log line if they
   * cannot be published. Returns at once.
   */
  emit(build: (eventAt: Date) => readonly ReceiptEvent[], ids: Record<string, string>): void {
    const { enabled, delayMs } = this.#settings;
    if (!enabled) return;
    const task = this.#publish(build, ids, delayMs).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  /** Resolves when every scheduled event was published or given up (tests). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Drops what is still waiting for its delay (the fake is stopping). */
  async close(): Promise<void> {
    this.#stopped.abort();
    await this.drain();
  }

  async #publish(
    build: (eventAt: Date) => readonly ReceiptEvent[],
    ids: Record<string, string>,
    delayMs: number,
  ) {
    const log = this.#options.log ?? defaultLog;
    const signal = this.#stopped.signal;
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return; // Why nothing logged: a stopping fake drops receipts, as a stopped provider would.
    }
    const events = build(new Date());
    if (events.length === 0) return;
    const url = this.#options.eventBusUrl;
    const attempts = this.#options.attempts ?? 3;
    let error = 'no event bus configured';
    for (let attempt = 1; url && attempt <= attempts && !signal.aborted; attempt++) {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            'x-amz-target': 'AWSEvents.PutEvents',
            'content-type': 'application/x-amz-json-1.1',
          },
          body: JSON.stringify({ Entries: events.map(entryOf) }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(5_000)]),
        });
        const answer = (await response.json()) as { FailedEntryCount?: number };
        if (response.ok && answer.FailedEntryCount === 0) {
          this.#published += events.length;
          log('debug', 'receipt events published', { ...ids, count: events.length });
          return;
        }
        error = `PutEvents answered ${response.status}, ${answer.FailedEntryCount ?? '?'} failed`;
      } catch (cause) {
        error = cause instanceof Error ? cause.message : String(cause);
      }
      // Why retry briefly: the bus may be restarting; EventBridge's own PutEvents clients retry too.
      await sleep(200 * 2 ** (attempt - 1), undefined, { signal }).catch(() => undefined);
    }
    this.#failed += events.length;
    log('warn', 'receipt events not published', {
      ...ids,
      detailTypes: events.map((event) => event.detailType),
      error,
    });
  }
}

function entryOf(event: ReceiptEvent) {
  return {
    Source: event.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    ...(event.resources ? { Resources: event.resources } : {}),
  };
}
