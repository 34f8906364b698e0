/**
 * The committed AWS sample receipt events (test/fixtures/receipts/), with Herald's tags added where
 * the send would have put them: SES `mail.tags` (name → [value]) and EUM SMS `context`.
 */
import { readFileSync } from 'node:fs';
import { type ReceiptIds, receiptTagsFor } from '../../lambdas/core/receipt-tags.ts';
import type { EventBridgeEvent } from '../../lambdas/core/receipts.ts';

/** Fixture file names. */
export type ReceiptFixture =
  | 'ses-delivery'
  | 'ses-bounce'
  | 'ses-complaint'
  | 'ses-reject'
  | 'ses-delivery-delay'
  | 'eum-sms-text-delivered'
  | 'eum-sms-text-successful';

/** The sample event, unchanged. */
export function sampleEvent(name: ReceiptFixture): EventBridgeEvent {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/receipts/${name}.json`, import.meta.url), 'utf8'),
  ) as EventBridgeEvent;
}

/** The sample event carrying the tags of `ids`; `detail` fields may be overridden (SMS eventType ...). */
export function taggedEvent(
  name: ReceiptFixture,
  ids: ReceiptIds,
  detail: Record<string, unknown> = {},
): EventBridgeEvent {
  const event = sampleEvent(name) as EventBridgeEvent & { detail: Record<string, unknown> };
  const tags = receiptTagsFor(ids);
  if (event.source === 'aws.ses') {
    const mail = event.detail.mail as { tags: Record<string, string[]> };
    for (const [key, value] of Object.entries(tags)) mail.tags[key] = [value];
  } else {
    event.detail.context = { ...((event.detail.context as object | undefined) ?? {}), ...tags };
  }
  Object.assign(event.detail, detail);
  return event;
}
