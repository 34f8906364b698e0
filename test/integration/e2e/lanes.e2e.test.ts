/**
 * The high-priority lane end to end, all real: a `priority: high` request is produced to the lane's
 * topic and consumed by the lane's own event source mapping (its own consumer group), the same
 * dispatch Lambda code delivering it; a normal request stays on the deliveries topic.
 */
import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, testKafka } from '../../support/engines.ts';
import {
  type E2eRuntime,
  phoneNumbers,
  sendCounts,
  sendMessage,
  showOutputOnFailure,
  startE2eRuntime,
  waitAllSent,
  waitUntilQuiescent,
} from './support/e2e-runtime.ts';

let e2e: E2eRuntime;
let admin: Admin;

beforeAll(async () => {
  const { kafkaBrokers, redisUrl } = testEngines();
  e2e = await startE2eRuntime(kafkaBrokers, redisUrl);
  admin = testKafka('lanes-e2e-admin').admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.disconnect();
  await e2e?.stop();
});

/** Records written to `topic` (sum of its partitions' high watermarks). */
async function written(topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

/** Offsets `group` committed on `topic`, summed (-1 = nothing committed counts as 0). */
async function committed(group: string, topic: string): Promise<number> {
  const [result] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (result?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('the high-priority lane', () => {
  it("consumes a priority: high request through the lane's own mapping, each recipient once", async () => {
    showOutputOnFailure(e2e);
    const { highLane, consumerGroupId } = e2e.runtime;
    const recipients = phoneNumbers(5);

    const accepted = await sendMessage(e2e.runtime.apiUrl, recipients, {
      priority: 'high',
      idempotencyKey: randomUUID(),
    });
    const sends = await waitUntilQuiescent(e2e, new Set([accepted.requestId]), 5);
    await eventually(async () => (await committed(highLane.consumerGroupId, highLane.topic)) === 5);

    expect(accepted.status).toBe(202);
    expect(highLane.consumerGroupId).not.toBe(consumerGroupId);
    expect(await written(highLane.topic)).toBe(5);
    expect(await written(e2e.deliveriesTopic)).toBe(0);
    expect([...sendCounts(sends).values()]).toEqual([1, 1, 1, 1, 1]);
    const [status] = await waitAllSent(e2e.runtime.apiUrl, [accepted.requestId]);
    expect(status?.sent).toBe(5);
  });

  it('keeps a normal request on the deliveries topic and its mapping', async () => {
    showOutputOnFailure(e2e);
    const before = await written(e2e.runtime.highLane.topic);

    const accepted = await sendMessage(e2e.runtime.apiUrl, phoneNumbers(3), { idempotencyKey: randomUUID() });
    await waitUntilQuiescent(e2e, new Set([accepted.requestId]), 3);
    await eventually(async () => (await committed(e2e.runtime.consumerGroupId, e2e.deliveriesTopic)) === 3);

    expect(await written(e2e.runtime.highLane.topic)).toBe(before);
    expect(await written(e2e.deliveriesTopic)).toBe(3);
  });
});
