/**
 * Request identity. A requestId is a SHA-256 over who called (client id), what they asked
 * (the RFC 8785 canonical body) and which call this is (the client's Idempotency-Key, else the id
 * API Gateway gave the call). Two separate calls with the same content are two sends; every copy of
 * one call shares one requestId, hence one deterministic deliveryId per recipient.
 */
import { createHash } from 'node:crypto';

/** How a call identifies itself: the client's Idempotency-Key, or API Gateway's per-call id. */
export type CallIdentity =
  | { readonly kind: 'idempotency-key'; readonly value: string }
  | { readonly kind: 'gateway-request'; readonly value: string };

/** Everything a requestId is derived from. */
export interface RequestIdentityInput {
  readonly clientId: string;
  /** The canonical (RFC 8785) form of the validated request body. */
  readonly canonicalBody: string;
  readonly call: CallIdentity;
}

// Why a domain tag per hash: a fingerprint can never equal a requestId or an idempotency key id,
// and a future change of the scheme gets a new tag instead of silently colliding with old ids.
const REQUEST_ID_TAG = 'herald.request-id.v1';
const FINGERPRINT_TAG = 'herald.request-fingerprint.v1';
const IDEMPOTENCY_SCOPE_TAG = 'herald.idempotency-scope.v1';

/**
 * SHA-256 over `parts`, each prefixed with its UTF-8 byte length, so that no two different part
 * lists hash the same input bytes (("ab","c") and ("a","bc") stay different). Lowercase hex.
 */
export function hashParts(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = Buffer.from(part, 'utf8');
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The requestId of one call: 64 lowercase hex characters. */
export function hashRequest(input: RequestIdentityInput): string {
  return hashParts([REQUEST_ID_TAG, input.clientId, input.canonicalBody, input.call.kind, input.call.value]);
}

/**
 * What an Idempotency-Key's stored request is compared with: the client and the canonical body,
 * without the call identity. Same key + different fingerprint means a different body (422).
 */
export function fingerprintRequest(clientId: string, canonicalBody: string): string {
  return hashParts([FINGERPRINT_TAG, clientId, canonicalBody]);
}

/** An opaque id for (client, Idempotency-Key): keys are scoped per client and safe in any store key. */
export function idempotencyScopeId(clientId: string, idempotencyKey: string): string {
  return hashParts([IDEMPOTENCY_SCOPE_TAG, clientId, idempotencyKey]);
}

/** Whether `value` has the shape of a requestId (so lookups of anything else can fail fast). */
export function isRequestId(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}
