/**
 * Builds the ioredis client both Lambdas use: a single node locally, a cluster client for
 * ElastiCache cluster mode (TLS when the URL is `rediss://`). Created once per cold start.
 */
import { Cluster, Redis } from 'ioredis';

/** How to reach Redis. */
export interface RedisClientOptions {
  readonly url: string;
  readonly isCluster: boolean;
  /** AUTH token (ElastiCache auth token from Secrets Manager); overrides the URL's password. */
  readonly password?: string;
}

/** A connected-on-demand Redis or Redis Cluster client. */
export type RedisClient = Redis | Cluster;

/** Creates the client. Commands fail fast while disconnected, so callers see errors, not hangs. */
export function createRedisClient(options: RedisClientOptions): RedisClient {
  const url = new URL(options.url);
  const isTls = url.protocol === 'rediss:';
  const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
  // A user in the URL (redis://user:token@host) is an ACL / ElastiCache RBAC user; none means `default`.
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  // Why: a Lambda must fail the batch (and let it be retried) rather than queue commands
  // while Redis is unreachable: fail-closed, nothing is sent without a claim.
  const common = {
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    ...(password ? { password } : {}),
    ...(username ? { username } : {}),
    ...(isTls ? { tls: {} } : {}),
  };
  if (options.isCluster) {
    return new Cluster([{ host: url.hostname, port: Number(url.port || 6379) }], {
      dnsLookup: (address, callback) => callback(null, address),
      redisOptions: common,
      slotsRefreshTimeout: 2_000,
      // Why these bounds: MOVED and ASK are followed at once (a slot moved or is moving); TRYAGAIN
      // (a multi-key script on a slot mid-migration) and CLUSTERDOWN (a failover electing a replica)
      // are retried after a pause. ioredis counts every redirect and retry against maxRedirections,
      // so a command gives up after about 16 × 150 ms and the batch fails closed and is retried.
      maxRedirections: 16,
      retryDelayOnMoved: 0,
      retryDelayOnTryAgain: 150,
      retryDelayOnClusterDown: 150,
      retryDelayOnFailover: 150,
    });
  }
  return new Redis({ host: url.hostname, port: Number(url.port || 6379), ...common });
}
