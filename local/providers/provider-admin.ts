/**
 * A provider fake's admin endpoint, on its own port and in the mock vendor's shape
 * (local/mock-vendor/mock-vendor-admin.ts), so the same curl works on every local vendor:
 *
 *   GET  /faults        current faults
 *   PUT  /faults        merge a partial ProviderFaults JSON, e.g. {"down": true}, {"throttleRate": 1} or
 *                       {"failWith": "ServiceQuotaExceededException:MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT"}
 *   POST /faults/reset  back to no faults
 *   GET  /deliveries    accepted sends of this instance
 *   GET  /receipts      receipt settings: {"enabled": true, "delayMs": 1000}
 *   PUT  /receipts      merge a partial one, e.g. {"enabled": false} or {"delayMs": 10000}; not reset by
 *                       /faults/reset (receipts are not a fault)
 *   GET  /health        200
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson } from '../mock-vendor/fake-http.ts';
import type { VendorDelivery } from '../mock-vendor/mock-vendor.ts';
import {
  NO_PROVIDER_FAULTS,
  type ProviderFaults,
  type ProviderProtocol,
  providerFaultProblems,
} from './provider-protocol.ts';
import { type ReceiptSettings, receiptSettingsProblems } from './receipt-emitter.ts';

/** What the admin endpoint controls. */
export interface ProviderFakeControls {
  setFaults(faults: Partial<ProviderFaults>): Promise<ProviderFaults>;
  faults(): ProviderFaults;
  setReceipts(settings: Partial<ReceiptSettings>): ReceiptSettings;
  receipts(): ReceiptSettings;
  deliveries(): readonly VendorDelivery[];
}

/** Serves one admin request. */
export async function handleProviderAdmin(
  request: IncomingMessage,
  response: ServerResponse,
  protocol: ProviderProtocol,
  controls: ProviderFakeControls,
): Promise<void> {
  const route = `${request.method} ${request.url}`;
  if (route === 'GET /health') return sendJson(response, 200, { ok: true });
  if (route === 'GET /faults') return sendJson(response, 200, controls.faults());
  if (route === 'GET /deliveries') return sendJson(response, 200, controls.deliveries());
  if (route === 'GET /receipts') return sendJson(response, 200, controls.receipts());
  if (route === 'PUT /receipts') {
    const patch = await readJsonBody(request);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return sendJson(response, 400, { error: 'expected a JSON object' });
    }
    const problems = receiptSettingsProblems(patch as Record<string, unknown>);
    if (problems.length > 0) return sendJson(response, 400, { error: 'invalid_receipts', problems });
    return sendJson(response, 200, controls.setReceipts(patch as Partial<ReceiptSettings>));
  }
  if (route === 'POST /faults/reset')
    return sendJson(response, 200, await controls.setFaults(NO_PROVIDER_FAULTS));
  if (route === 'PUT /faults' || route === 'POST /faults') {
    const patch = await readJsonBody(request);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return sendJson(response, 400, { error: 'expected a JSON object' });
    }
    const problems = providerFaultProblems(patch as Record<string, unknown>, protocol);
    if (problems.length > 0) return sendJson(response, 400, { error: 'invalid_faults', problems });
    return sendJson(response, 200, await controls.setFaults(patch as Partial<ProviderFaults>));
  }
  sendJson(response, 404, { error: 'not_found' });
}
