/** The in-memory fake passes the same DedupStore contract as RedisDedupStore. */

import { describeDedupStoreContract } from '../../fakes/contracts/dedup-store.contract.ts';
import { InMemoryDedupStore } from '../../fakes/in-memory-dedup-store.ts';

describeDedupStoreContract('InMemoryDedupStore', async (options) => new InMemoryDedupStore(options));
