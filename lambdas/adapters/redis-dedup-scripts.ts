/**
 * Lua scripts of RedisDedupStore. Every key of a slot group starts with its base "<prefix>dedup{g}"
 * (g = hex of the id's first bits), whose {hash-tag} fixes the hash slot.
 *
 * Layout under a base:
 *   <base>:c:<id text>          claim: owner token, PX lease
 *   <base>:m                    meta: one field per time bucket, named by the bucket's expiry (Unix s),
 *                               value "level,split,marks"; EXPIREAT the latest bucket expiry
 *   <base>:s:<expiry>:<addr>    marks: small hash field = 16 raw id bytes, value 1 sent / 2 failed /
 *                               3 maybe-sent
 *   <base>:a:<id text>          send intent: vendor name, PX window (redis-intent-scripts.ts)
 *
 * Every key a script may read or write is declared in KEYS (the store plans them from the meta it
 * saw last, see redis-dedup-keys.ts). Why: in Redis Cluster, the redirects of a slot being migrated
 * (ASK, TRYAGAIN) are decided on the declared keys only, before the script runs; a script that builds
 * undeclared keys would run on the importing node's partial data (no marks seen: a duplicate send).
 * Each script first computes the keys it needs from the live meta and answers `stale` (writing
 * nothing) when one is not declared; the store refreshes its plan from the meta in that answer and
 * calls again. Every answer carries Redis's TIME and each group's meta, so plans stay fresh.
 *
 * KEYS per group, in order: the meta key, one claim key per id (blob order), then `nHash` hash keys.
 * ARGV: the script's own arguments, the raw ids blob (16 bytes per id), then two numbers per group:
 * its id count and its hash key count.
 *
 * Why linear hashing inside a bucket: a hash stays in the compact listpack encoding only up to
 * hash-max-listpack-entries (default 128) fields. Splitting one hash at a time whenever the average
 * load passes `maxLoad` keeps every hash well under that limit at any volume. A bucket with H hashes
 * (H = 2^level + split) puts id hash h at h mod 2^level, or h mod 2^(level+1) when that is < split.
 * Buckets are named by their expiry and listed in one meta per group: a lookup checks whatever
 * buckets are listed, so marks written under another window or bucket count are still found.
 * Redis time (TIME) is used, so Lambda clock skew cannot shorten the window.
 */

/**
 * The one clock the scripts read: Redis time, so Lambda clock skew cannot shorten the window. Exported
 * so the window's property tests can run the very scripts on a clock they set.
 */
export const CLOCK_LUA = "local function nowSeconds() return tonumber(redis.call('TIME')[1]) end";

const COMMON = `
${CLOCK_LUA}
local function hashOf(raw)
  local b1, b2, b3, b4 = string.byte(raw, 2, 5)
  return ((b1 * 256 + b2) * 256 + b3) * 256 + b4
end
local function sizeOf(level) return 2 ^ level end
-- The address of hash h in a bucket of 2^level + split hashes.
local function addressOf(h, level, split)
  local a = h % sizeOf(level)
  if a < split then a = h % sizeOf(level + 1) end
  return a
end
-- Every address h has while a bucket grows from (level, split) by 'steps' splits, and each split's
-- source and target: the keys a mark may touch.
local function pathOf(h, level, split, steps, visit)
  local a = addressOf(h, level, split)
  visit(a)
  for _ = 1, steps do
    local size = sizeOf(level)
    visit(split)
    visit(split + size)
    if a == split and h % (size * 2) == split + size then a = split + size end
    visit(a)
    split = split + 1
    if split == size then level, split = level + 1, 0 end
  end
end
-- Splits needed before 'count' marks fit at 'maxLoad' per hash.
local function stepsFor(level, split, count, maxLoad)
  local hashes = sizeOf(level) + split
  local needed = math.ceil(count / maxLoad)
  if needed > hashes then return needed - hashes end
  return 0
end
local declared = {}
for _, key in ipairs(KEYS) do declared[key] = true end
-- Groups: {meta, base, claims (first KEYS index), n (ids), first (first id index, 0-based)}.
local groups = {}
local function readGroups(argFrom)
  local cursor, first = 1, 0
  for g = argFrom, #ARGV, 2 do
    local n, nHash = tonumber(ARGV[g]), tonumber(ARGV[g + 1])
    local meta = KEYS[cursor]
    groups[#groups + 1] = { meta = meta, base = string.sub(meta, 1, -3), claims = cursor + 1, n = n,
      first = first }
    cursor = cursor + 1 + n + nHash
    first = first + n
  end
end
local function metaOf(group)
  return redis.call('HGETALL', group.meta)
end
-- The answer: status, Redis time, value, then each group's meta ('metas': as already read, if unchanged).
local function answer(status, now, value, metas)
  local out = { status, now, value }
  for gi, group in ipairs(groups) do out[#out + 1] = (metas and metas[gi]) or metaOf(group) end
  return out
end
`;

/**
 * Claim. ARGV: owner, leaseMs, raw ids, then the group counts. Answers {'ok' | 'stale', now, codes,
 * meta...}: codes is one comma-separated string, a code per id in blob order: 'c' claimed, 'i<ms>' in
 * flight with the holder's remaining lease (PTTL; the full lease if the key has no TTL), 's' / 'f' /
 * 'm' duplicate of a sent / failed / maybe-sent mark.
 */
export const CLAIM_LUA = `${COMMON}
local owner, lease, raws = ARGV[1], ARGV[2], ARGV[3]
readGroups(4)
local now = nowSeconds()
local metas, lookups = {}, {}
for gi, group in ipairs(groups) do
  local buckets = {}
  local meta = metaOf(group)
  metas[gi] = meta
  for f = 1, #meta, 2 do
    local expiry = tonumber(meta[f])
    if expiry and expiry > now then
      local level, split = string.match(meta[f + 1], '^(%d+),(%d+),')
      buckets[#buckets + 1] = { expiry = expiry, level = tonumber(level), split = tonumber(split),
        prefix = group.base .. ':s:' .. meta[f] .. ':' }
    end
  end
  table.sort(buckets, function(a, b) return a.expiry > b.expiry end)

  for i = group.first + 1, group.first + group.n do
    local h = hashOf(string.sub(raws, i * 16 - 15, i * 16))
    local keys = {}
    for bi, b in ipairs(buckets) do
      local key = b.prefix .. addressOf(h, b.level, b.split)
      if not declared[key] then return answer('stale', now, '', metas) end
      keys[bi] = key
    end
    lookups[i] = keys
  end
end
local out = {}
for gi, group in ipairs(groups) do
  for j = 0, group.n - 1 do
    local i = group.first + j + 1
    local raw = string.sub(raws, i * 16 - 15, i * 16)
    local mark = false
    for _, key in ipairs(lookups[i]) do
      mark = redis.call('HGET', key, raw)
      if mark then break end
    end
    if mark then
      out[i] = (mark == '2') and 'f' or ((mark == '3') and 'm' or 's')
    else
      local claimKey = KEYS[group.claims + j]
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
return answer('ok', now, table.concat(out, ','), metas)
`;

/**
 * Mark. ARGV: windowSeconds, spanSeconds, maxLoad, the bucket expiry the store planned for, kinds (one
 * character per id, 1 sent / 2 failed), raw ids, then the group counts. Adds each mark to the current
 * bucket of its group, splits hashes while the group's average load exceeds maxLoad, drops the ids'
 * claims. Answers {'ok' | 'stale', now, new marks, meta...}; stale also when the planned bucket is
 * not the current one by Redis time.
 *
 * Why a hash gets EXPIREAT only when this call found it missing: every hash of a bucket expires at
 * the bucket's expiry, so one that existed already has it (it was set in the call that created it).
 * Checked per call (EXISTS on first touch, and a hash a split emptied counts as missing), so a hash
 * re-created gets its TTL again.
 * Why claims are dropped whoever holds them: a marked id is never claimed again (the mark is found
 * first), so its claim key is dead weight; one multi-key DEL replaces a GET + DEL per id.
 */
export const MARK_LUA = `${COMMON}
local window, span, maxLoad = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local planned, kinds, raws = ARGV[4], ARGV[5], ARGV[6]
readGroups(7)
local now = nowSeconds()
local expiry = (math.floor(now / span) + 1) * span + window
local field = string.format('%d', expiry)
if field ~= planned then return answer('stale', now, 0) end
local states = {}
for gi, group in ipairs(groups) do
  local meta = metaOf(group)
  local state = { level = 0, split = 0, count = 0, latest = expiry, stale = {} }
  for f = 1, #meta, 2 do
    local at = tonumber(meta[f]) or 0
    if meta[f] == field then
      local l, s, n = string.match(meta[f + 1], '^(%d+),(%d+),(%d+)$')
      state.level, state.split, state.count = tonumber(l), tonumber(s), tonumber(n)
    elseif at <= now then
      state.stale[#state.stale + 1] = meta[f]
    elseif at > state.latest then
      state.latest = at
    end
  end
  states[gi] = state
  local prefix = group.base .. ':s:' .. field .. ':'
  local steps = stepsFor(state.level, state.split, state.count + group.n, maxLoad)
  local isCovered = true
  local function check(a) if not declared[prefix .. a] then isCovered = false end end
  for i = group.first + 1, group.first + group.n do
    pathOf(hashOf(string.sub(raws, i * 16 - 15, i * 16)), state.level, state.split, steps, check)
    if not isCovered then return answer('stale', now, 0) end
  end
end
local added, claims = 0, {}
for gi, group in ipairs(groups) do
  local state = states[gi]
  local level, split, count = state.level, state.split, state.count
  local before = count
  local prefix = group.base .. ':s:' .. field .. ':'
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
  for j = 0, group.n - 1 do
    local i = group.first + j + 1
    local raw = string.sub(raws, i * 16 - 15, i * 16)
    if redis.call('HSET', keyOf(addressOf(hashOf(raw), level, split)), raw, string.sub(kinds, i, i)) == 1 then
      count = count + 1
    end
    while count > maxLoad * (sizeOf(level) + split) do
      local from, to = keyOf(split), keyOf(split + sizeOf(level))
      local fields = redis.call('HGETALL', from)
      local moved, moves = {}, {}
      for f = 1, #fields, 2 do
        if hashOf(fields[f]) % sizeOf(level + 1) ~= split then
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
      if split == sizeOf(level) then level, split = level + 1, 0 end
    end
    claims[#claims + 1] = KEYS[group.claims + j]
  end
  for key in pairs(missing) do redis.call('EXPIREAT', key, expiry) end
  if count > before then
    added = added + count - before
    if redis.call('HSET', group.meta, field, level .. ',' .. split .. ',' .. count) == 1 then
      redis.call('EXPIREAT', group.meta, state.latest)
    end
  end
  if #state.stale > 0 then redis.call('HDEL', group.meta, unpack(state.stale)) end
end
for c = 1, #claims, 500 do redis.call('DEL', unpack(claims, c, math.min(c + 499, #claims))) end
return answer('ok', now, added)
`;

/**
 * Release. KEYS: the claim keys. ARGV: owner. Drops only the owner's claims; returns how many.
 */
export const RELEASE_LUA = `
local released = 0
for _, claimKey in ipairs(KEYS) do
  if redis.call('GET', claimKey) == ARGV[1] then
    redis.call('DEL', claimKey)
    released = released + 1
  end
end
return released
`;
