/**
 * Lua of the Redis receipt-timeout store (redis-receipt-timeouts.ts). One shard's keys share a hash
 * tag, so each script runs in one cluster slot: a cursor `<tag>:c` ("bucket:offset", how far the sweep
 * has acked) and one string per time bucket `<tag>:<bucket>`, entries APPENDed as fixed 56-byte
 * records: due (uint32 seconds, big-endian), deliveryId (16), requestId (32), client reference (4).
 */

/** Bytes of one record. */
export const RECORD_BYTES = 56;

const HELPERS = `
local SIZE = ${RECORD_BYTES}
local function hexbytes(h) return (h:gsub('..', function(c) return string.char(tonumber(c, 16)) end)) end
local function tohex(s) return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end)) end
local function pos(text) local b, o = text:match('^(%d+):(%d+)$') return tonumber(b), tonumber(o) end`;

/**
 * KEYS: cursor. ARGV: bucket key prefix, bucketMs, graceMs, then (bucket, record hex) pairs. An entry
 * for a bucket the sweep has already passed goes into the cursor's bucket, so it is still taken.
 * Why the expiry: a bucket outlives its end by the grace, in case no sweep ever reads it.
 */
export const ADD = `${HELPERS}
local cur = redis.call('GET', KEYS[1])
local floor = -1
if cur then floor = pos(cur) end
local bucketMs, graceMs = tonumber(ARGV[2]), tonumber(ARGV[3])
for i = 4, #ARGV, 2 do
  local b = math.max(tonumber(ARGV[i]), floor)
  local key = ARGV[1] .. b
  redis.call('APPEND', key, hexbytes(ARGV[i + 1]))
  redis.call('PEXPIREAT', key, (b + 1) * bucketMs + graceMs)
end
return 1`;

/**
 * KEYS: cursor. ARGV: bucket key prefix, nowMs, limit, bucketMs, first bucket when there is no cursor.
 * Reads from the cursor on, bucket after bucket up to now's, stopping at the first entry not yet due.
 * Writes nothing. Returns the cursor read ('' when none), the position reached, the buckets passed ("bucket:length" each: read to the
 * end and over), and the records (hex).
 */
export const TAKE = `${HELPERS}
local cur = redis.call('GET', KEYS[1])
local b, off
if cur then b, off = pos(cur) else b, off = tonumber(ARGV[5]), 0 end
local nowMs, limit, bucketMs = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local nowS, nowB = math.floor(nowMs / 1000), math.floor(nowMs / bucketMs)
local out, passed = {}, {}
while b <= nowB and #out < limit do
  local key = ARGV[1] .. b
  local len = redis.call('STRLEN', key)
  local isBlocked = false
  if off < len then
    local want = math.min(len - off, (limit - #out) * SIZE)
    local chunk = redis.call('GETRANGE', key, off, off + want - 1)
    for p = 1, #chunk - SIZE + 1, SIZE do
      local b1, b2, b3, b4 = chunk:byte(p, p + 3)
      if ((b1 * 256 + b2) * 256 + b3) * 256 + b4 > nowS then isBlocked = true break end
      out[#out + 1] = chunk:sub(p, p + SIZE - 1)
      off = off + SIZE
    end
  end
  if isBlocked or off < len or b == nowB then break end
  passed[#passed + 1] = b .. ':' .. len
  b, off = b + 1, 0
end
return {cur or '', b .. ':' .. off, table.concat(passed, ','), tohex(table.concat(out))}`;

/**
 * KEYS: cursor. ARGV: bucket key prefix, new position, bucketMs, graceMs, buckets passed (as TAKE
 * returned them). Moves the cursor forward (never back: another run may have acked further) and
 * deletes the passed buckets; what was appended to one after the take read it moves to the new
 * cursor's bucket first, so it is taken next time.
 */
export const ACK = `${HELPERS}
local nb, noff = pos(ARGV[2])
local cur = redis.call('GET', KEYS[1])
if cur then
  local cb, coff = pos(cur)
  if cb > nb or (cb == nb and coff >= noff) then return 0 end
end
local bucketMs, graceMs = tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[5] ~= '' then
  for item in ARGV[5]:gmatch('[^,]+') do
    local pb, plen = pos(item)
    local key = ARGV[1] .. pb
    local len = redis.call('STRLEN', key)
    if len > plen then
      local into = ARGV[1] .. nb
      redis.call('APPEND', into, redis.call('GETRANGE', key, plen, len - 1))
      redis.call('PEXPIREAT', into, (nb + 1) * bucketMs + graceMs)
    end
    redis.call('DEL', key)
  end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', graceMs + bucketMs)
return 1`;
