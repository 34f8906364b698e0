/**
 * Wires the receipts rules (lib/config/receipt-rules.ts, the same patterns CDK deploys) onto a local
 * event bus, invoking `invoke` (the receipts handler, or a function process running it) per event.
 */
import { RECEIPT_RULES } from '../../lib/config/receipt-rules.ts';
import type { BusEvent, LocalEventBus } from './event-bus.ts';
import type { EventPattern } from './event-pattern.ts';

/** Adds the SES and SMS receipt rules to `bus`. */
export function addReceiptRules(
  bus: LocalEventBus,
  invoke: (event: BusEvent) => Promise<unknown>,
  retry: { maxAttempts?: number; retryBaseMs?: number } = {},
): void {
  for (const [name, pattern] of Object.entries(RECEIPT_RULES)) {
    bus.addRule({ name, pattern: pattern as unknown as EventPattern, invoke, ...retry });
  }
}
