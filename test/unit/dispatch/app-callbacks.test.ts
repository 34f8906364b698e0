/** The dispatch app's final-state callbacks on fakes: a delivery it fails is owed its client a callback. */
import { describe, expect, it } from 'vitest';
import type { CallbackNotifier, ReachedState } from '../../../lambdas/callbacks/callback-notifier.ts';
import { DependencyUnavailableError } from '../../../lambdas/core/errors.ts';
import { eventOfDeliveries, makeDelivery } from './support/deliveries.ts';
import { fakeDispatch } from './support/harness.ts';

/** A notifier that records what it is given, and refuses the first `failures` calls. */
function recordingNotifier(failures = 0): CallbackNotifier & { reached: ReachedState[]; calls: number } {
  const notifier = {
    reached: [] as ReachedState[],
    calls: 0,
    async notify(reached: readonly ReachedState[]) {
      notifier.calls++;
      if (notifier.calls <= failures)
        throw new DependencyUnavailableError('redis', 'callback queue unreachable');
      notifier.reached.push(...reached);
    },
  };
  return notifier;
}

describe('dispatch callbacks', () => {
  it('queues a failed callback with the client, vendor and reason for a delivery a vendor rejects', async () => {
    // Prepare
    const callbacks = recordingNotifier();
    const { invoke, vendors } = fakeDispatch({ callbacks });
    const rejected = makeDelivery({ recipient: '+15550009999', clientId: 'client-a' });
    const sent = makeDelivery({ recipient: '+15550000001', clientId: 'client-a' });
    vendors.a.setFaults({ rejectTo: ['+15550009999'] });

    // Act
    const response = await invoke(eventOfDeliveries([rejected, sent]));

    // Assess: the failed one is owed a callback; the sent one is told too (its receipt, or the receipt
    // timeout, decides its callback)
    expect(response).toEqual({ batchItemFailures: [] });
    expect(callbacks.reached).toHaveLength(2);
    expect(callbacks.reached).toContainEqual({
      clientId: 'client-a',
      requestId: rejected.requestId,
      deliveryId: rejected.deliveryId,
      state: 'failed',
      reason: 'sms-a: HTTP 400 invalid_recipient',
      vendor: 'sms-a',
      at: expect.any(String),
    });
    expect(callbacks.reached).toContainEqual({
      clientId: 'client-a',
      requestId: sent.requestId,
      deliveryId: sent.deliveryId,
      state: 'sent',
      vendor: 'sms-a',
      at: expect.any(String),
    });
  });

  it('retries the record when the callback cannot be queued, and queues it on the redelivery without sending again', async () => {
    // Prepare: the queue refuses every try of the first invocation (1 + 3 retries)
    const callbacks = recordingNotifier(4);
    const { invoke, vendors, metric } = fakeDispatch({ callbacks });
    const delivery = makeDelivery({ recipient: '+15550009999', clientId: 'client-b' });
    vendors.a.setFaults({ rejectTo: ['+15550009999'] });
    const event = eventOfDeliveries([delivery]);

    // Act
    const first = await invoke(event);
    const second = await invoke(event);

    // Assess
    expect(first.batchItemFailures).toHaveLength(1);
    expect(metric('CallbacksQueueFailed')).toBe(1);
    expect(second).toEqual({ batchItemFailures: [] });
    expect(vendors.a.calls).toHaveLength(1);
    expect(callbacks.reached).toEqual([
      expect.objectContaining({ clientId: 'client-b', deliveryId: delivery.deliveryId, state: 'failed' }),
    ]);
  });

  it('tells nothing of a delivery held as possibly sent', async () => {
    // Prepare
    const callbacks = recordingNotifier();
    const { invoke, vendors } = fakeDispatch({ callbacks });
    vendors.a.setFaults({ timeoutRate: 1 });

    // Act
    await invoke(eventOfDeliveries([makeDelivery()]));

    // Assess
    expect(vendors.a.calls).toHaveLength(1);
    expect(callbacks.calls).toBe(0);
  });
});
