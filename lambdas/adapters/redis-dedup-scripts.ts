/**
 * Lua scripts of RedisDedupStore. Every key a script touches starts with one of its KEYS, a group base
 * "<prefix>dedup{g}" (g = hex of the id's first bits) whose {hash-tag} fixes the hash slot. In cluster
 * mode the store calls each script once per group (KEYS = that one base), so all keys of a call share
 * a slot; on a single node it passes every group's base in one call: one round trip per batch.
 *
 * Layout under a base:
 *   <base>:c:<id text>        claim: owner token, PX lease
 *   <base>:m:<bucket>         meta of a time bucket: l (level), s (split pointer), n (marks); EXPIREAT
 *   <base>:s:<bucket>:<addr>  marks: small hash field = 16 raw id bytes, value 1 (sent) / 2 (failed)
 *
 * Why linear hashing inside a bucket: a hash stays in the compact listpack encoding only up to
 * hash-max-listpack-entries (default 128) fields. Splitting one hash at a time whenever the average
 * load passes `maxLoad` keeps every hash well under that limit at any volume, without configuring
 * the expected traffic, and a lookup still reads exactly one hash per time bucket.
 * Redis time (TIME) is used, so Lambda clock skew cannot shorten the window.
 */

const COMMON = `
local function addressOf(id, level, split)
  local b1, b2, b3, b4 = string.byte(id, 2, 5)
  local h = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  local a = h % (2 ^ level)
  if a < split then a = h % (2 ^ (level + 1)) end
  return a
end
local function readMeta(base, bucket)
  local m = redis.call('HMGET', base .. ':m:' .. bucket, 'l', 's', 'n')
  if not m[1] then return nil end
  return { tonumber(m[1]), tonumber(m[2]), tonumber(m[3]) }
end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1])
end
`;

/**
 * Claim. KEYS: group bases. ARGV: owner, leaseMs, windowSeconds, spanSeconds, then triples
 * (key index, raw id, id text). Returns one code per id: 'c' claimed, 'i<ms>' in flight with the
 * holder's remaining lease (PTTL; the full lease if the key somehow has no TTL), 's' / 'f' duplicate
 * of a sent / failed mark.
 */
export const CLAIM_LUA = `${COMMON}
local owner, lease = ARGV[1], ARGV[2]
local window, span = tonumber(ARGV[3]), tonumber(ARGV[4])
local t = now()
local newest, oldest = math.floor(t / span), math.floor((t - window) / span)
local metasOf = {}
for k, base in ipairs(KEYS) do
  local metas = {}
  for b = newest, oldest, -1 do
    local meta = readMeta(base, b)
    if meta then metas[#metas + 1] = { b, meta } end
  end
  metasOf[k] = metas
end
local out = {}
for i = 5, #ARGV, 3 do
  local k, id, text = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2]
  local base = KEYS[k]
  local mark = false
  for _, bm in ipairs(metasOf[k]) do
    mark = redis.call('HGET', base .. ':s:' .. bm[1] .. ':' .. addressOf(id, bm[2][1], bm[2][2]), id)
    if mark then break end
  end
  if mark then
    out[#out + 1] = (mark == '2') and 'f' or 's'
  else
    local claimKey = base .. ':c:' .. text
    if redis.call('SET', claimKey, owner, 'PX', lease, 'NX') then
      out[#out + 1] = 'c'
    elseif redis.call('GET', claimKey) == owner then
      redis.call('PEXPIRE', claimKey, lease)
      out[#out + 1] = 'c'
    else
      local remaining = redis.call('PTTL', claimKey)
      if remaining < 0 then remaining = tonumber(lease) end
      out[#out + 1] = 'i' .. remaining
    end
  end
end
return out
`;

/**
 * Mark. KEYS: group bases. ARGV: owner, windowSeconds, spanSeconds, maxLoad, then quadruples
 * (key index, raw id, id text, kind 1|2). Adds each mark to the current bucket of its group, splits
 * hashes while the group's average load exceeds maxLoad, and drops the owner's claims.
 * Returns the number of new marks.
 */
export const MARK_LUA = `${COMMON}
local owner = ARGV[1]
local window, span, maxLoad = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local t = now()
local bucket = math.floor(t / span)
local expireAt = (bucket + 1) * span + window
local states = {}
for k, base in ipairs(KEYS) do
  local meta = readMeta(base, bucket) or { 0, 0, 0 }
  states[k] = { level = meta[1], split = meta[2], count = meta[3], prefix = base .. ':s:' .. bucket .. ':' }
end
local touched = {}
local added = 0
for i = 5, #ARGV, 4 do
  local k, id, text, kind = tonumber(ARGV[i]), ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local st = states[k]
  local key = st.prefix .. addressOf(id, st.level, st.split)
  if redis.call('HSET', key, id, kind) == 1 then
    st.count = st.count + 1
    added = added + 1
  end
  touched[key] = true
  while st.count > maxLoad * (2 ^ st.level + st.split) do
    local from = st.prefix .. st.split
    local to = st.prefix .. (st.split + 2 ^ st.level)
    local fields = redis.call('HGETALL', from)
    local moved = {}
    for f = 1, #fields, 2 do
      if addressOf(fields[f], st.level + 1, 0) ~= st.split then
        redis.call('HSET', to, fields[f], fields[f + 1])
        moved[#moved + 1] = fields[f]
      end
    end
    if #moved > 0 then redis.call('HDEL', from, unpack(moved)) end
    touched[to] = true
    st.split = st.split + 1
    if st.split == 2 ^ st.level then st.level, st.split = st.level + 1, 0 end
  end
  local claimKey = KEYS[k] .. ':c:' .. text
  if redis.call('GET', claimKey) == owner then redis.call('DEL', claimKey) end
end
for key in pairs(touched) do
  if redis.call('EXISTS', key) == 1 then redis.call('EXPIREAT', key, expireAt) end
end
for k, base in ipairs(KEYS) do
  local st = states[k]
  if st.count > 0 then
    local metaKey = base .. ':m:' .. bucket
    redis.call('HSET', metaKey, 'l', st.level, 's', st.split, 'n', st.count)
    redis.call('EXPIREAT', metaKey, expireAt)
  end
end
return added
`;

/** Release. KEYS: group bases. ARGV: owner, then pairs (key index, id text). Drops only the owner's claims. */
export const RELEASE_LUA = `
local owner = ARGV[1]
local released = 0
for i = 2, #ARGV, 2 do
  local claimKey = KEYS[tonumber(ARGV[i])] .. ':c:' .. ARGV[i + 1]
  if redis.call('GET', claimKey) == owner then
    redis.call('DEL', claimKey)
    released = released + 1
  end
end
return released
`;
