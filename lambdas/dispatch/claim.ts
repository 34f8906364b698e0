/**
 * Step 2 of a batch, claim: take a lease on every dedup id of the batch in one store call. If the store
 * is unreachable this throws and the whole batch is retried with nothing sent (fail-closed).
 * Ids in flight under another owner whose lease ends within this invocation's wait budget are waited
 * for and claimed once more (lease-wait.ts says why); what that re-claim wins makes a second round.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClaimResult } from '../core/dedup.ts';
import type { DedupStore } from '../ports/dedup-store.ts';
import type { BatchProblems, BatchTiming, DispatchBatchDeps, PreparedBatch, Round } from './batch-types.ts';
import type { LeaseWait } from './lease-wait.ts';

/**
 * Writes the marks an earlier batch of this container could not (mark.ts), before anything is claimed:
 * their deliveries went out, and their redelivered records must find them marked. Throws when the store
 * is still unreachable: the batch is then retried whole, with nothing sent.
 */
export async function writeCarriedMarks(
  owner: string,
  deps: Pick<DispatchBatchDeps, 'dedup' | 'unmarked'>,
): Promise<void> {
  if (deps.unmarked.size === 0) return;
  const marks = [...deps.unmarked.values()];
  await deps.dedup.mark(marks, owner);
  for (const mark of marks) deps.unmarked.delete(mark.deliveryId);
}

/** Claims `ids` for `owner`; throws DependencyUnavailableError when the store is unreachable. */
export async function claimBatch(
  ids: readonly string[],
  owner: string,
  dedup: DedupStore,
): Promise<ReadonlyMap<string, ClaimResult>> {
  return ids.length > 0 ? dedup.claim(ids, owner) : new Map<string, ClaimResult>();
}

/**
 * Waits for the leases in `wait` to run out, then claims those ids again: the round of what this wins,
 * or undefined when the re-claim failed (nothing of these was sent: the first round's "in flight
 * elsewhere" reports stand, and the failure lands in `problems`).
 */
export async function reclaimAfterLeases(
  wait: LeaseWait,
  batch: PreparedBatch,
  owner: string,
  timing: BatchTiming,
  dedup: DedupStore,
  problems: BatchProblems,
): Promise<Round | undefined> {
  await sleep(wait.waitMs);
  const waited = new Set(wait.ids);
  // Why the deadline before the claim: the lease starts at the claim, so the send budget must too.
  const deadline = timing.sendDeadline();
  try {
    const claims = await dedup.claim(wait.ids, owner);
    return {
      claims,
      firsts: batch.firsts.filter((r) => waited.has(r.delivery.deliveryId)),
      poison: batch.poison.filter((p) => waited.has(p.dedupId)),
      deadline,
    };
  } catch (error) {
    problems.reclaims = error;
    return undefined;
  }
}
