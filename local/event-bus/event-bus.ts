/**
 * A local EventBridge event bus: PutEvents in (in-process, or over HTTP with the AWS JSON 1.1
 * `AWSEvents.PutEvents` call, see event-bus-server.ts), rules with event patterns, and Lambda targets
 * invoked as EventBridge does: one event per invocation, in the EventBridge envelope (`version`,
 * `id`, `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`), asynchronously.
 * A failed invocation is retried with backoff (EventBridge retries for up to 24 h and 185 attempts;
 * here the attempts and backoff are settings) and then kept as a dead letter, never dropped silently.
 */
import { randomUUID } from 'node:crypto';
import { type EventPattern, matchesPattern } from './event-pattern.ts';

/** One PutEvents entry, as the AWS API takes it (`Detail` is a JSON string). */
export interface PutEventsEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Resources?: readonly string[];
  readonly Time?: string | Date;
  readonly EventBusName?: string;
}

/** The envelope a target receives. */
export interface BusEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
}

/** A rule: a pattern and the function it invokes. */
export interface BusRule {
  readonly name: string;
  readonly pattern: EventPattern;
  readonly invoke: (event: BusEvent) => Promise<unknown>;
  /** Invocations before the event becomes a dead letter. @default 3 */
  readonly maxAttempts?: number;
  /** First retry delay, doubling per attempt. @default 200 */
  readonly retryBaseMs?: number;
}

/** An event a rule's target never accepted. */
export interface BusDeadLetter {
  readonly rule: string;
  readonly event: BusEvent;
  readonly error: string;
}

/** The result of PutEvents, as the AWS API answers. */
export interface PutEventsResult {
  readonly FailedEntryCount: number;
  readonly Entries: readonly ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

/** Settings of the bus. */
export interface EventBusOptions {
  readonly account?: string;
  readonly region?: string;
  readonly log?: (level: 'info' | 'warn', message: string, fields: Record<string, unknown>) => void;
}

/** The local event bus. */
export class LocalEventBus {
  readonly #rules: BusRule[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly deadLetters: BusDeadLetter[] = [];
  readonly #options: EventBusOptions;

  constructor(options: EventBusOptions = {}) {
    this.#options = options;
  }

  /** Adds a rule. */
  addRule(rule: BusRule): void {
    this.#rules.push(rule);
  }

  /** Accepts entries (as PutEvents does: each gets an id or an error) and delivers them asynchronously. */
  putEvents(entries: readonly PutEventsEntry[]): PutEventsResult {
    const results = entries.map((entry) => {
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.#options.account ?? '123456789012',
        time: new Date(entry.Time ?? Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.#options.region ?? 'us-east-1',
        resources: [...(entry.Resources ?? [])],
        detail,
      };
      this.#route(event);
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /** Resolves once every accepted event was delivered or dead-lettered. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  #route(event: BusEvent): void {
    for (const rule of this.#rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      const delivery = this.#deliver(rule, event).finally(() => this.#inFlight.delete(delivery));
      this.#inFlight.add(delivery);
    }
  }

  async #deliver(rule: BusRule, event: BusEvent): Promise<void> {
    const maxAttempts = rule.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await rule.invoke(structuredClone(event));
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) {
          this.deadLetters.push({ rule: rule.name, event, error: message });
          this.#options.log?.('warn', 'event dead-lettered', {
            rule: rule.name,
            eventId: event.id,
            error: message,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (rule.retryBaseMs ?? 200) * 2 ** (attempt - 1)));
      }
    }
  }
}
