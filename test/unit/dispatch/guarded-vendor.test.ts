/** GuardedVendor: cockatiel circuit breaker and bulkhead around a vendor, and the Retry-After pause. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sendBudgetMs } from '../../../lambdas/dispatch/app.ts';
import { GuardedVendor } from '../../../lambdas/dispatch/guarded-vendor.ts';
import { vendorMessage } from '../../fakes/contracts/vendor.contract.ts';
import { FakeVendor } from '../../fakes/fake-vendor.ts';

describe('GuardedVendor', () => {
  it('opens after consecutive failures, probes after halfOpenAfterMs, and closes on success', async () => {
    const inner = new FakeVendor('v', { errorRate: 1 });
    const changes: string[] = [];
    const guarded = new GuardedVendor(inner, {
      maxConcurrent: 1,
      failureThreshold: 2,
      halfOpenAfterMs: 150,
      onCircuitChange: (_name, state) => changes.push(state),
    });
    await guarded.send(vendorMessage());
    await guarded.send(vendorMessage());
    expect(await guarded.send(vendorMessage())).toEqual({ kind: 'unavailable', reason: 'v: circuit open' });
    expect(inner.calls).toHaveLength(2);
    inner.setFaults({ errorRate: 0 });
    await sleep(200);
    expect((await guarded.send(vendorMessage())).kind).toBe('accepted');
    expect(guarded.isCircuitOpen).toBe(false);
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count a permanent rejection against the circuit', async () => {
    const inner = new FakeVendor('v', { rejectTo: ['+1'] });
    const guarded = new GuardedVendor(inner, {
      maxConcurrent: 1,
      failureThreshold: 1,
      halfOpenAfterMs: 60_000,
    });

    expect((await guarded.send(vendorMessage({ to: '+1' }))).kind).toBe('rejected');

    expect(guarded.isCircuitOpen).toBe(false);
    expect((await guarded.send(vendorMessage())).kind).toBe('accepted');
  });

  it('does not count throttling against the circuit: after the pause the vendor is called again', async () => {
    let now = 1_000_000;
    const inner = new FakeVendor('v', { throttleRate: 1, retryAfterSeconds: 1 });
    const guarded = new GuardedVendor(inner, {
      maxConcurrent: 1,
      failureThreshold: 1,
      halfOpenAfterMs: 60_000,
      now: () => now,
    });

    expect((await guarded.send(vendorMessage())).kind).toBe('throttled');
    inner.setFaults({ throttleRate: 0 });
    now += 1_001;

    expect(guarded.isCircuitOpen).toBe(false);
    expect((await guarded.send(vendorMessage())).kind).toBe('accepted');
    expect(inner.calls).toHaveLength(2);
  });

  it('cancels calls still waiting for a slot when the deadline passes, without sending them', async () => {
    const inner = new FakeVendor('v', { latencyMs: 100 });
    const guarded = new GuardedVendor(inner, {
      maxConcurrent: 1,
      failureThreshold: 10,
      halfOpenAfterMs: 60_000,
    });
    const deadline = AbortSignal.timeout(50);
    const outcomes = await Promise.all([
      guarded.send(vendorMessage(), deadline),
      guarded.send(vendorMessage(), deadline),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'unavailable']);
    expect(inner.deliveries).toHaveLength(1);
  });

  it('pauses for Retry-After, capped, then calls again', async () => {
    let now = 1_000_000;
    const inner = new FakeVendor('v', { throttleRate: 1, retryAfterSeconds: 3_600 });
    const guarded = new GuardedVendor(inner, {
      maxConcurrent: 1,
      failureThreshold: 10,
      halfOpenAfterMs: 60_000,
      maxRetryAfterMs: 5_000,
      now: () => now,
    });
    await guarded.send(vendorMessage());
    inner.setFaults({ throttleRate: 0 });
    expect(await guarded.send(vendorMessage())).toEqual({
      kind: 'unavailable',
      reason: 'v: paused by Retry-After',
    });
    now += 5_001;
    expect((await guarded.send(vendorMessage())).kind).toBe('accepted');
  });
});

describe('sendBudgetMs', () => {
  it.each([
    [120_000, 900_000, 5_000, 113_000],
    [120_000, 30_000, 5_000, 23_000],
    [10_000, 900_000, 9_000, 0],
  ])('lease %i, remaining %i, slowest vendor %i → %i', (lease, remaining, slowest, expected) => {
    expect(sendBudgetMs(lease, remaining, slowest)).toBe(expected);
  });
});
