/**
 * The compact status record: what the cache keeps per request (see docs/capacity.md, "Status layout").
 * No recipient address and no deliveryId: each delivery is a slot at its position in the request,
 * found by the shortest prefix of its deliveryId that tells the request's deliveries apart. Times are
 * seconds after acceptance (minutes after 9.1 h), vendors and reasons small codes with the text once per
 * request. Pure helpers shared by RedisStatusStore (whose Lua does the same arithmetic) and the fake.
 */
import { createHash } from 'node:crypto';

/** State codes in precedence order (core/status-precedence.ts); 0 is a position without a delivery. */
export const STATE_CODES = {
  queued: 1,
  suppressed: 2,
  failed: 3,
  'maybe-sent': 4,
  sent: 5,
  unknown: 6,
  delivered: 7,
  undeliverable: 8,
  bounced: 9,
  complained: 10,
} as const;

/** Offsets below this many seconds (9.1 h) count seconds; from there on, minutes (to 23 days). */
const SECONDS_LIMIT = 32_768;
const MAX_CODE = 65_535;

/** The 2-byte time code of an update `offsetMs` after acceptance (negative offsets count as 0). */
export function timeCodeOf(offsetMs: number): number {
  const seconds = Math.max(0, Math.floor(offsetMs / 1000));
  if (seconds < SECONDS_LIMIT) return seconds;
  return Math.min(MAX_CODE, SECONDS_LIMIT + Math.floor((seconds - SECONDS_LIMIT) / 60));
}

/** The offset after acceptance, in ms, that a time code stands for. */
export function offsetMsOf(timeCode: number): number {
  if (timeCode < SECONDS_LIMIT) return timeCode * 1000;
  return SECONDS_LIMIT * 1000 + (timeCode - SECONDS_LIMIT) * 60_000;
}

/** The 16 bytes of a deliveryId (22 base64url characters). */
export function deliveryIdBytes(deliveryId: string): Buffer {
  return Buffer.from(deliveryId, 'base64url');
}

/**
 * The fewest leading bytes of the deliveryIds that are all different: 1 for most requests of ten,
 * 2 for most of a hundred. Updates find their slot by this prefix.
 */
export function prefixWidthFor(deliveryIds: readonly string[]): number {
  const ids = deliveryIds.map((id) => deliveryIdBytes(id).toString('hex'));
  for (let width = 1; width < 16; width++) {
    if (new Set(ids.map((id) => id.slice(0, width * 2))).size === ids.length) return width;
  }
  return 16;
}

/**
 * 4 bytes (hex) of SHA-256 of the client id: keeps one client out of another's statuses (it would
 * also need the other's 256-bit requestId).
 */
export function clientTagOf(clientId: string): string {
  return createHash('sha256').update(clientId).digest().subarray(0, 4).toString('hex');
}

/** Longest vendor or reason text kept, in bytes (longer ones are cut on a character boundary). */
export const MAX_TEXT_BYTES = 200;

/** `text` cut to at most MAX_TEXT_BYTES of UTF-8. */
export function clampText(text: string): string {
  if (Buffer.byteLength(text) <= MAX_TEXT_BYTES) return text;
  const chars = [...text];
  while (Buffer.byteLength(chars.join('')) > MAX_TEXT_BYTES) chars.pop();
  return chars.join('');
}

/** Most positions a record holds (one byte); a rebuilt record's delivery count fits the same byte. */
export const MAX_RECORD_POSITIONS = 255;

/** Whether `position` names a slot a record can hold. */
export function isRecordPosition(position: number | undefined): position is number {
  return (
    position !== undefined && Number.isInteger(position) && position >= 0 && position < MAX_RECORD_POSITIONS
  );
}

/** What a status update may carry to rebuild its request's missing record. */
export interface RebuildFields {
  readonly clientId: string;
  readonly position?: number;
  readonly deliveryCount?: number;
  readonly acceptedAt?: string;
}

/**
 * Whether an update carries what rebuilds its request's record when ingest's accept never landed: the
 * owner, its position, the request's delivery count and acceptance time, each one a record can hold.
 */
export function canRebuild<U extends RebuildFields>(
  update: U,
): update is U & { position: number; deliveryCount: number; acceptedAt: string } {
  const { clientId, position, deliveryCount, acceptedAt } = update;
  return (
    clientId !== '' &&
    isRecordPosition(position) &&
    deliveryCount !== undefined &&
    Number.isInteger(deliveryCount) &&
    deliveryCount > 0 &&
    deliveryCount <= MAX_RECORD_POSITIONS &&
    acceptedAt !== undefined &&
    !Number.isNaN(Date.parse(acceptedAt))
  );
}
