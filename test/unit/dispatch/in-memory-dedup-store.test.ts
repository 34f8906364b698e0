/** The in-memory fake passes the same DedupStore contract as RedisDedupStore. */

import { describeDedupIntentContract } from '../../fakes/contracts/dedup-intent.contract.ts';
import { describeDedupStoreContract } from '../../fakes/contracts/dedup-store.contract.ts';
import { InMemoryDedupStore } from '../../fakes/in-memory-dedup-store.ts';

describeDedupStoreContract('InMemoryDedupStore', async (options) => new InMemoryDedupStore(options));
describeDedupIntentContract('InMemoryDedupStore', async (options) => new InMemoryDedupStore(options));
