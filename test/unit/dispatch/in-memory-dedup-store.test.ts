/** The in-memory fake passes the same DedupStore contract as RedisDedupStore, part-way failures included. */

import { describeDedupIntentContract } from '../../fakes/contracts/dedup-intent.contract.ts';
import { describeDedupStoreContract } from '../../fakes/contracts/dedup-store.contract.ts';
import { InMemoryDedupStore } from '../../fakes/in-memory-dedup-store.ts';

describeDedupStoreContract(
  'InMemoryDedupStore',
  async (options) => new InMemoryDedupStore(options),
  async (options) => {
    const store = new InMemoryDedupStore(options);
    return {
      store,
      isPartWay: true,
      async breakUpperHalf() {
        store.isFailing = (id) => (Buffer.from(id, 'base64url')[0] as number) >= 0x80;
      },
      async heal() {
        store.isFailing = () => false;
      },
    };
  },
);
describeDedupIntentContract('InMemoryDedupStore', async (options) => new InMemoryDedupStore(options));
