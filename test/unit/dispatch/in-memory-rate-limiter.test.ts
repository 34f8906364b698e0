/** InMemoryRateLimiter passes the same RateLimiter contract as RedisRateLimiter. */
import { describeRateLimiterContract } from '../../fakes/contracts/rate-limiter.contract.ts';
import { InMemoryRateLimiter } from '../../fakes/in-memory-rate-limiter.ts';

const shared = new InMemoryRateLimiter();
// One instance for all callers of a test: it stands for the one shared store.
describeRateLimiterContract('InMemoryRateLimiter', async () => shared);
