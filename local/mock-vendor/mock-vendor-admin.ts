/**
 * The mock vendor's admin endpoint (its own port):
 *
 *   GET  /faults        current faults
 *   PUT  /faults        merge a partial MockVendorFaults JSON, e.g. {"down": true} or
 *                       {"throttleRate": 1, "retryAfterSeconds": 5} or {"maxPerSecond": 30} (429 beyond
 *                       30 accepted sends in the last second); answers the resulting faults
 *   POST /faults/reset  back to no faults
 *   GET  /deliveries    accepted sends of this instance
 *   GET  /health        200
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readJsonBody, sendJson } from './fake-http.ts';
import { type MockVendorFaults, NO_FAULTS, type VendorDelivery } from './vendor-faults.ts';

/** What the admin endpoint controls. */
export interface MockVendorControls {
  setFaults(faults: Partial<MockVendorFaults>): Promise<MockVendorFaults>;
  faults(): MockVendorFaults;
  deliveries(): readonly VendorDelivery[];
}

const RATES = ['errorRate', 'timeoutRate', 'throttleRate', 'resetRate'] as const;

/** Validates a faults patch; returns the problems found. */
export function faultProblems(patch: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if ((RATES as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || value < 0 || value > 1) problems.push(`${key} must be a number 0..1`);
    } else if (key === 'latencyMs' || key === 'retryAfterSeconds' || key === 'maxPerSecond') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
        problems.push(`${key} must be an integer ≥ 0`);
    } else if (key === 'answerStatus') {
      if (
        typeof value !== 'number' ||
        !Number.isInteger(value) ||
        (value !== 0 && (value < 200 || value > 599))
      )
        problems.push('answerStatus must be 0 or an HTTP status 200..599');
    } else if (key === 'down') {
      if (typeof value !== 'boolean') problems.push('down must be a boolean');
    } else if (key === 'rejectTo') {
      if (!Array.isArray(value) || value.some((to) => typeof to !== 'string'))
        problems.push('rejectTo must be strings');
    } else {
      problems.push(`unknown fault ${key}`);
    }
  }
  return problems;
}

/** Serves one admin request. */
export async function handleAdmin(
  request: IncomingMessage,
  response: ServerResponse,
  controls: MockVendorControls,
): Promise<void> {
  const route = `${request.method} ${request.url}`;
  if (route === 'GET /health') return sendJson(response, 200, { ok: true });
  if (route === 'GET /faults') return sendJson(response, 200, controls.faults());
  if (route === 'GET /deliveries') return sendJson(response, 200, controls.deliveries());
  if (route === 'POST /faults/reset') {
    return sendJson(response, 200, await controls.setFaults(NO_FAULTS));
  }
  if (route === 'PUT /faults' || route === 'POST /faults') {
    const patch = await readJsonBody(request);
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      return sendJson(response, 400, { error: 'expected a JSON object' });
    }
    const problems = faultProblems(patch as Record<string, unknown>);
    if (problems.length > 0) return sendJson(response, 400, { error: 'invalid_faults', problems });
    return sendJson(response, 200, await controls.setFaults(patch as Partial<MockVendorFaults>));
  }
  sendJson(response, 404, { error: 'not_found' });
}
