/**
 * The Lua of RedisStatusStore. A request's record is one binary string (layout in core/status-record.ts
 * and docs/capacity.md): width, positions, acceptance time (ms), client tag, its texts (vendors first),
 * then per position a slot: deliveryId prefix, state | vendor code << 4, reason code, time code.
 * A record rebuilt from dispatch's updates (ingest's accept write failed) is partial: its width byte
 * has the high bit set, the width is 16 (whole deliveryIds, since the other ids are not known), a byte
 * after the client tag holds the request's delivery count, and positions fill as deliveries are seen.
 * Every script gets the same KEYS, the pages of one hash tag that may hold the request (newest first),
 * and writes the record in the page where it is found; statuses only move forward, as in
 * core/status-precedence.ts, decided here so that racing writers cannot lose an update.
 */

const CODEC = `
local function hexbytes(h) return (h:gsub('..', function(c) return string.char(tonumber(c, 16)) end)) end
local function uint(s, i, len) local v = 0 for j = i, i + len - 1 do v = v * 256 + s:byte(j) end return v end
local function bytes(v, len)
  local t = {}
  for j = len, 1, -1 do t[j] = string.char(v % 256) v = math.floor(v / 256) end
  return table.concat(t)
end
local function timecode(ms)
  local s = math.floor(ms / 1000)
  if s < 0 then s = 0 end
  if s < 32768 then return s end
  return math.min(65535, 32768 + math.floor((s - 32768) / 60))
end
local function offset(code) if code < 32768 then return code * 1000 end return 32768000 + (code - 32768) * 60000 end
local function decode(blob)
  local r = {w = blob:byte(1) % 128, partial = blob:byte(1) >= 128, n = blob:byte(2), acc = uint(blob, 3, 6),
    client = blob:sub(9, 12), texts = {}, slots = {}}
  local i = 13
  if r.partial then r.count = blob:byte(13) i = 14 end
  local ntexts = blob:byte(i)
  i = i + 1
  for t = 1, ntexts do local len = blob:byte(i) r.texts[t] = blob:sub(i + 1, i + len) i = i + 1 + len end
  for p = 1, r.n do
    local b = blob:byte(i + r.w)
    r.slots[p] = {prefix = blob:sub(i, i + r.w - 1), state = b % 16, vendor = r.texts[math.floor(b / 16)],
      reason = r.texts[blob:byte(i + r.w + 1)], time = uint(blob, i + r.w + 2, 2)}
    i = i + r.w + 4
  end
  return r
end
local function encode(r)
  local texts, codes = {}, {}
  local function code(text)
    if not text then return 0 end
    if not codes[text] then
      if #texts == 255 then return 0 end
      texts[#texts + 1] = text
      codes[text] = #texts
    end
    return codes[text]
  end
  -- vendors first, so that their codes fit the 4 bits beside the state (15 vendors per request)
  for _, s in ipairs(r.slots) do code(s.vendor) end
  local parts = {}
  for _, s in ipairs(r.slots) do
    local v = code(s.vendor)
    if v > 15 then v = 0 end
    parts[#parts + 1] = s.prefix .. string.char(s.state + 16 * v, code(s.reason)) .. bytes(s.time, 2)
  end
  local head = {string.char(r.w + (r.partial and 128 or 0), r.n), bytes(r.acc, 6), r.client,
    r.partial and string.char(r.count) or '', string.char(#texts)}
  for _, t in ipairs(texts) do head[#head + 1] = string.char(#t) .. t end
  return table.concat(head) .. table.concat(parts)
end
-- precedence: a higher state wins; among equals the newer (or same) time; the same state keeps the
-- vendor and reason that the write does not carry
-- returns whether the record has a slot for the prefix
local function apply(r, prefix, state, vendor, reason, atMs)
  for _, s in ipairs(r.slots) do
    if s.state > 0 and s.prefix == prefix then
      local time = timecode(atMs - r.acc)
      if state < s.state or (state == s.state and offset(time) < offset(s.time)) then return true end
      local same = state == s.state
      s.vendor = vendor ~= '' and vendor or (same and s.vendor or nil)
      s.reason = reason ~= '' and reason or (same and s.reason or nil)
      s.state, s.time = state, time
      return true
    end
  end
  return false
end
-- a partial record takes a delivery it has not seen at its position (0-based), when that is free
local function place(r, prefix, state, vendor, reason, atMs, pos)
  if apply(r, prefix, state, vendor, reason, atMs) or not r.partial or not pos or pos >= 255 then return end
  while r.n < pos + 1 do r.n = r.n + 1 r.slots[r.n] = {prefix = string.rep('\\0', r.w), state = 0, time = 0} end
  local s = r.slots[pos + 1]
  if s.state > 0 then return end
  s.prefix, s.state, s.time = prefix, state, timecode(atMs - r.acc)
  s.vendor = vendor ~= '' and vendor or nil
  s.reason = reason ~= '' and reason or nil
end
-- an update that came before its request's accept: deliveryId (16 bytes), state, time (6), texts
local function pending(did, state, vendor, reason, atMs)
  return hexbytes(did) .. string.char(state) .. bytes(atMs, 6) .. string.char(#vendor) .. vendor .. string.char(#reason) .. reason
end
local function applyPending(r, p)
  local i = 1
  while i <= #p do
    local vlen = p:byte(i + 23)
    local vendor = p:sub(i + 24, i + 23 + vlen)
    local rlen = p:byte(i + 24 + vlen)
    local reason = p:sub(i + 25 + vlen, i + 24 + vlen + rlen)
    apply(r, p:sub(i, i + r.w - 1), p:byte(i + 16), vendor, reason, uint(p, i + 17, 6))
    i = i + 25 + vlen + rlen
  end
end
local function find(id)
  for k = 1, #KEYS do
    local blob = redis.call('HGET', KEYS[k], id)
    if blob then return KEYS[k], blob end
  end
end
`;

/**
 * KEYS pages (KEYS[2] is the acceptance page); ARGV: record id (hex), client tag (hex), acceptedAt ms,
 * prefix width, positions, the acceptance page's expiry (unix s), then per position its deliveryId
 * prefix (hex) or '' for a collapsed duplicate. A complete record already there is kept as it is; a
 * partial one (rebuilt by dispatch) is completed: every delivery queued, then what it held on top.
 */
export const ACCEPT_LUA = `${CODEC}
local id = hexbytes(ARGV[1])
local key, blob = find(id)
local old = blob and decode(blob)
if old and not old.partial then return 0 end
local r = {w = tonumber(ARGV[4]), n = tonumber(ARGV[5]), acc = tonumber(ARGV[3]), client = hexbytes(ARGV[2]), slots = {}}
for p = 1, r.n do
  local prefix = ARGV[6 + p]
  if prefix == '' then r.slots[p] = {prefix = string.rep('\\0', r.w), state = 0, time = 0}
  else r.slots[p] = {prefix = hexbytes(prefix), state = 1, time = 0} end
end
if old then
  for _, s in ipairs(old.slots) do
    if s.state > 0 then apply(r, s.prefix:sub(1, r.w), s.state, s.vendor or '', s.reason or '', old.acc + offset(s.time)) end
  end
end
for k = 1, #KEYS do
  local early = redis.call('HGET', KEYS[k], id .. 'p')
  if early then applyPending(r, early) redis.call('HDEL', KEYS[k], id .. 'p') end
end
if old then
  redis.call('HSET', key, id, encode(r))
else
  redis.call('HSET', KEYS[2], id, encode(r))
  redis.call('EXPIREAT', KEYS[2], tonumber(ARGV[6]))
end
return 1`;

/**
 * KEYS pages (KEYS[2] is the current page); ARGV: record id (hex), the current page's expiry, then what
 * rebuilds a missing record: client tag (hex), acceptedAt ms and delivery count, or three '' when the
 * updates cannot; then per update: deliveryId (hex), state code, vendor, reason, time (ms), position
 * (0-based, or ''). Without a record and without what rebuilds one, the updates wait in the current
 * page under the record id + 'p' for the accept to apply them. A partial record takes each update at
 * its position, and the waiting updates again (applying one twice changes nothing).
 */
export const UPDATE_LUA = `${CODEC}
local id = hexbytes(ARGV[1])
local key, blob = find(id)
if not blob and ARGV[3] == '' then
  local parts = {redis.call('HGET', KEYS[2], id .. 'p') or ''}
  for j = 6, #ARGV, 6 do parts[#parts + 1] = pending(ARGV[j], tonumber(ARGV[j + 1]), ARGV[j + 2], ARGV[j + 3], tonumber(ARGV[j + 4])) end
  redis.call('HSET', KEYS[2], id .. 'p', table.concat(parts))
  redis.call('EXPIREAT', KEYS[2], tonumber(ARGV[2]))
  return 0
end
local r
if blob then r = decode(blob)
else
  -- ingest's accept has not landed (it failed, or is late): rebuild from what the updates carry
  key = KEYS[2]
  r = {w = 16, partial = true, count = tonumber(ARGV[5]), n = 0, acc = tonumber(ARGV[4]), client = hexbytes(ARGV[3]), slots = {}}
end
for j = 6, #ARGV, 6 do
  place(r, hexbytes(ARGV[j]):sub(1, r.w), tonumber(ARGV[j + 1]), ARGV[j + 2], ARGV[j + 3], tonumber(ARGV[j + 4]), tonumber(ARGV[j + 5]))
end
if r.partial then
  for k = 1, #KEYS do
    local early = redis.call('HGET', KEYS[k], id .. 'p')
    if early then applyPending(r, early) end
  end
end
redis.call('HSET', key, id, encode(r))
if not blob then redis.call('EXPIREAT', KEYS[2], tonumber(ARGV[2])) end
return 1`;

/**
 * KEYS pages; ARGV: record id (hex), client tag (hex). Replies nil (unknown, or another client's), or
 * acceptedAt ms, the deliveries a partial record has not seen yet (0 for a complete one), then
 * position (0-based), state code, vendor, reason, time offset ms and the slot's deliveryId prefix
 * (hex) per delivery.
 */
export const READ_LUA = `${CODEC}
local key, blob = find(hexbytes(ARGV[1]))
if not blob then return nil end
local r = decode(blob)
if r.client ~= hexbytes(ARGV[2]) then return nil end
local seen = 0
for _, s in ipairs(r.slots) do if s.state > 0 then seen = seen + 1 end end
local out = {r.acc, r.partial and math.max(0, r.count - seen) or 0}
for p, s in ipairs(r.slots) do
  if s.state > 0 then
    out[#out + 1] = p - 1
    out[#out + 1] = s.state
    out[#out + 1] = s.vendor or ''
    out[#out + 1] = s.reason or ''
    out[#out + 1] = offset(s.time)
    out[#out + 1] = (s.prefix:gsub('.', function(c) return string.format('%02x', c:byte()) end))
  end
end
return out`;
