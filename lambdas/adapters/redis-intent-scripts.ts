/**
 * Lua scripts of RedisDedupStore's send intents. An intent is one small string key per delivery,
 * `<group base>:a:<id text>` → the vendor's name, written ahead of the vendor call and living for the
 * dedup window; it shares its group's {hash tag}, so it sits in the slot of the id's claim and marks.
 * Every key a script touches is in KEYS, so a cluster redirects (MOVED/ASK/TRYAGAIN) before the script
 * runs on a slot that is half moved.
 *
 * Why a key per delivery and not a field in a bucket hash: an intent lives only from the vendor call to
 * the mark (milliseconds), so in steady state there are as many as deliveries in flight; only a crash
 * or a held ambiguous answer leaves one behind, and those must be found by id, exactly.
 */

/** Intent. KEYS: intent keys. ARGV: ttlMs, then one vendor name per key. */
export const INTEND_LUA = `
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'PX', ARGV[1])
end
return #KEYS
`;

/**
 * Clears intents whose delivery is settled. KEYS: n claim keys, then their n intent keys. Drops an
 * intent only when its claim key is gone: run right after the mark or release script in the same
 * pipeline, that is exactly when the mark or release took effect. If the mark failed (an error, or the
 * cache out of memory) the claim is still there and the intent stays: the delivery is never forgotten.
 */
export const CLEAR_INTENTS_LUA = `
local n = #KEYS / 2
local cleared = 0
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    cleared = cleared + redis.call('DEL', KEYS[n + i])
  end
end
return cleared
`;
