/**
 * Lua scripts of RedisDedupStore. Every key a script touches starts with one of its KEYS, a group base
 * "<prefix>dedup{g}" (g = hex of the id's first bits) whose {hash-tag} fixes the hash slot. In cluster
 * mode the store calls each script once per group (KEYS = that one base), so all keys of a call share
 * a slot; on a single node it passes every touched group's base in one call: one round trip per batch.
 *
 * Layout under a base:
 *   <base>:c:<id text>          claim: owner token, PX lease
 *   <base>:m                    meta: one field per time bucket, named by the bucket's expiry (Unix s),
 *                               value "level,split,marks"; EXPIREAT the latest bucket expiry
 *   <base>:s:<expiry>:<addr>    marks: small hash field = 16 raw id bytes, value 1 sent / 2 failed /
 *                               3 maybe-sent
 *   <base>:a:<id text>          send intent: vendor name, PX window (redis-intent-scripts.ts)
 *
 * Why linear hashing inside a bucket: a hash stays in the compact listpack encoding only up to
 * hash-max-listpack-entries (default 128) fields. Splitting one hash at a time whenever the average
 * load passes `maxLoad` keeps every hash well under that limit at any volume, without configuring
 * the expected traffic, and a lookup still reads exactly one hash per time bucket.
 * Why buckets are named by their expiry and listed in one meta per group: a lookup reads one key per
 * group to learn every live bucket (not one per bucket of the window), and it checks whatever buckets
 * are listed, so marks written under another window or bucket count are still found.
 * Redis time (TIME) is used, so Lambda clock skew cannot shorten the window.
 *
 * Ids travel as two blobs (16 raw bytes each; 22 text characters each), ordered by KEYS, followed by
 * one count per KEYS entry: three arguments per batch instead of two or three per id.
 */

const COMMON = `
local function hashOf(raw)
  local b1, b2, b3, b4 = string.byte(raw, 2, 5)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end
local function textAt(texts, i)
  return string.sub(texts, i * 22 - 21, i * 22)
end
`;

/**
 * Claim. KEYS: group bases. ARGV: owner, leaseMs, raw ids, id texts, then one id count per key.
 * Returns one comma-separated string, a code per id in blob order: 'c' claimed, 'i<ms>' in flight with
 * the holder's remaining lease (PTTL; the full lease if the key somehow has no TTL), 's' / 'f' / 'm'
 * duplicate of a sent / failed / maybe-sent mark.
 */
export const CLAIM_LUA = `${COMMON}
local owner, lease, raws, texts = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now = tonumber(redis.call('TIME')[1])
local out = {}
local i = 0
for k, base in ipairs(KEYS) do
  local buckets = {}
  local meta = redis.call('HGETALL', base .. ':m')
  for f = 1, #meta, 2 do
    local expiry = tonumber(meta[f])
    if expiry and expiry > now then
      local level, split = string.match(meta[f + 1], '^(%d+),(%d+),')
      buckets[#buckets + 1] = { expiry = expiry, size = 2 ^ tonumber(level), split = tonumber(split),
        prefix = base .. ':s:' .. meta[f] .. ':' }
    end
  end
  table.sort(buckets, function(a, b) return a.expiry > b.expiry end)
  local claimPrefix = base .. ':c:'
  for _ = 1, tonumber(ARGV[4 + k]) do
    i = i + 1
    local raw = string.sub(raws, i * 16 - 15, i * 16)
    local h = hashOf(raw)
    local mark = false
    for _, b in ipairs(buckets) do
      local a = h % b.size
      if a < b.split then a = h % (b.size * 2) end
      mark = redis.call('HGET', b.prefix .. a, raw)
      if mark then break end
    end
    if mark then
      out[i] = (mark == '2') and 'f' or ((mark == '3') and 'm' or 's')
    else
      local claimKey = claimPrefix .. textAt(texts, i)
      if redis.call('SET', claimKey, owner, 'PX', lease, 'NX') then
        out[i] = 'c'
      elseif redis.call('GET', claimKey) == owner then
        redis.call('PEXPIRE', claimKey, lease)
        out[i] = 'c'
      else
        local remaining = redis.call('PTTL', claimKey)
        if remaining < 0 then remaining = tonumber(lease) end
        out[i] = 'i' .. remaining
      end
    end
  end
end
return table.concat(out, ',')
`;

/**
 * Mark. KEYS: group bases. ARGV: windowSeconds, spanSeconds, maxLoad, raw ids, kinds (one character
 * per id, 1 sent / 2 failed), id texts, then one id count per key. Adds each mark to the current
 * bucket of its group, splits hashes while the group's average load exceeds maxLoad, drops the ids'
 * claims and returns the number of new marks.
 *
 * Why a hash gets EXPIREAT only when this call found it missing: every hash of a bucket expires at
 * the bucket's expiry, so one that existed already has it (it was set in the call that created it).
 * Checked per call (EXISTS on first touch, and a hash a split emptied counts as missing), so a hash
 * evicted and re-created gets its TTL again.
 * Why claims are dropped whoever holds them: a marked id is never claimed again (the mark is found
 * first), so its claim key is dead weight; one multi-key DEL replaces a GET + DEL per id.
 */
export const MARK_LUA = `${COMMON}
local window, span, maxLoad = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local raws, kinds, texts = ARGV[4], ARGV[5], ARGV[6]
local now = tonumber(redis.call('TIME')[1])
local expiry = (math.floor(now / span) + 1) * span + window
local field = string.format('%d', expiry)
local added, i, claims = 0, 0, {}
for k, base in ipairs(KEYS) do
  local metaKey = base .. ':m'
  local meta = redis.call('HGETALL', metaKey)
  local level, split, count, latest, stale = 0, 0, 0, expiry, {}
  for f = 1, #meta, 2 do
    local at = tonumber(meta[f]) or 0
    if meta[f] == field then
      local l, s, n = string.match(meta[f + 1], '^(%d+),(%d+),(%d+)$')
      level, split, count = tonumber(l), tonumber(s), tonumber(n)
    elseif at <= now then
      stale[#stale + 1] = meta[f]
    elseif at > latest then
      latest = at
    end
  end
  local before = count
  local prefix = base .. ':s:' .. field .. ':'
  local keys, missing = {}, {}
  local function keyOf(a)
    local key = keys[a]
    if not key then
      key = prefix .. a
      keys[a] = key
      if redis.call('EXISTS', key) == 0 then missing[key] = true end
    end
    return key
  end
  local claimPrefix = base .. ':c:'
  for _ = 1, tonumber(ARGV[6 + k]) do
    i = i + 1
    local raw = string.sub(raws, i * 16 - 15, i * 16)
    local h, size = hashOf(raw), 2 ^ level
    local a = h % size
    if a < split then a = h % (size * 2) end
    if redis.call('HSET', keyOf(a), raw, string.sub(kinds, i, i)) == 1 then count = count + 1 end
    while count > maxLoad * (2 ^ level + split) do
      local from, to = keyOf(split), keyOf(split + 2 ^ level)
      local fields = redis.call('HGETALL', from)
      local moved, moves = {}, {}
      for f = 1, #fields, 2 do
        if hashOf(fields[f]) % (2 ^ (level + 1)) ~= split then
          moved[#moved + 1] = fields[f]
          moves[#moves + 1] = fields[f]
          moves[#moves + 1] = fields[f + 1]
        end
      end
      if #moved > 0 then
        redis.call('HSET', to, unpack(moves))
        redis.call('HDEL', from, unpack(moved))
        if #moved * 2 == #fields then missing[from] = true end
      end
      split = split + 1
      if split == 2 ^ level then level, split = level + 1, 0 end
    end
    claims[#claims + 1] = claimPrefix .. textAt(texts, i)
  end
  for key in pairs(missing) do redis.call('EXPIREAT', key, expiry) end
  if count > before then
    added = added + count - before
    if redis.call('HSET', metaKey, field, level .. ',' .. split .. ',' .. count) == 1 then
      redis.call('EXPIREAT', metaKey, latest)
    end
    if #stale > 0 then redis.call('HDEL', metaKey, unpack(stale)) end
  end
end
for c = 1, #claims, 500 do redis.call('DEL', unpack(claims, c, math.min(c + 499, #claims))) end
return added
`;

/**
 * Release. KEYS: group bases. ARGV: owner, id texts, then one id count per key. Drops only the
 * owner's claims; returns how many.
 */
export const RELEASE_LUA = `${COMMON}
local owner, texts = ARGV[1], ARGV[2]
local released, i = 0, 0
for k, base in ipairs(KEYS) do
  for _ = 1, tonumber(ARGV[2 + k]) do
    i = i + 1
    local claimKey = base .. ':c:' .. textAt(texts, i)
    if redis.call('GET', claimKey) == owner then
      redis.call('DEL', claimKey)
      released = released + 1
    end
  end
end
return released
`;
