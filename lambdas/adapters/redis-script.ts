/**
 * Lua scripts on ioredis (single node or cluster): registered once with `defineCommand`, so they run
 * by EVALSHA with a transparent EVAL fallback, also inside pipelines.
 */
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './redis-client.ts';

/** Runs a script with its keys and arguments; the reply is whatever the script returns. */
export type RedisScript = (keys: readonly string[], args: readonly string[]) => Promise<unknown>;

type ScriptCommand = (...keysAndArgs: string[]) => Promise<unknown>;

/** Registers `lua` under `name` on `client` (idempotent) and returns a typed runner. */
export function defineScript(client: RedisClient, name: string, lua: string): RedisScript {
  const commands = client as unknown as Record<string, ScriptCommand | undefined>;
  if (typeof commands[name] !== 'function') client.defineCommand(name, { lua });
  return (keys, args) => {
    const command = commands[name] as ScriptCommand;
    // Why numkeys first: without a fixed numberOfKeys, ioredis expects it as the first argument.
    return command.call(client, String(keys.length), ...keys, ...args);
  };
}

/** Queues a script defined with `defineScript` on a pipeline. */
export function queueScript(
  pipeline: ChainableCommander,
  name: string,
  keys: readonly string[],
  args: readonly string[],
): void {
  const commands = pipeline as unknown as Record<string, ScriptCommand>;
  (commands[name] as ScriptCommand).call(pipeline, String(keys.length), ...keys, ...args);
}
