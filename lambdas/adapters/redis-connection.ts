/**
 * The Redis client a Lambda handler builds once per cold start: the ElastiCache AUTH token from
 * Secrets Manager when the settings name one, the client, and a listener for its connection errors
 * (ioredis reports them as events; commands still fail, so dispatch fails closed).
 */
import type { RedisSettings } from '../shared/config.ts';
import { createRedisClient, type RedisClient } from './redis-client.ts';
import { fetchRedisPassword } from './secrets.ts';

/** Connects to the Redis `settings` name; `onError` hears connection errors. */
export async function connectRedis(
  settings: Pick<RedisSettings, 'url' | 'isCluster' | 'authSecretArn'>,
  onError: (error: unknown) => void,
): Promise<RedisClient> {
  const password = settings.authSecretArn ? await fetchRedisPassword(settings.authSecretArn) : undefined;
  const redis = createRedisClient({
    url: settings.url,
    isCluster: settings.isCluster,
    ...(password ? { password } : {}),
  });
  redis.on('error', onError);
  return redis;
}
