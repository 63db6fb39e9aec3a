-- The atomic compare-and-write of one entry (stamp.lua is prepended: stamp_cmp).
-- Written for Redis 7.0: no per-field expiry (HEXPIRE, HSETEX came in 7.4/8.0).
--
-- KEYS[1]  tabsync:{<scope>}:entries   field <key> = the entry text (what snapshots read)
-- KEYS[2]  tabsync:{<scope>}:stamps    field <key> = "<wall>:<counter>:<tab>:<x or empty>",
--          so this script never parses JSON; plus two bookkeeping fields whose names start
--          with a NUL byte, which no session-state key can (keys have no control characters):
--            "\0forever"  how many fields hold an entry without expiry
--            "\0latest"   the greatest expiry time (ms) ever stored in the scope
--            "\0bytes"    the UTF-8 bytes of the entry texts held (the scope's byte cap)
-- ARGV[1] key, [2] entry text, [3] wall, [4] counter, [5] tab, [6] compare "0"/"1",
-- [7] base wall, [8] base counter, [9] base tab ("" when there is no base),
-- [10] expire-at ms ("" when none), [11] news channel ("" for no news), [12] news message,
-- [13] most keys per scope, [14] most bytes per scope, [15] the entry text's UTF-8 bytes.
--
-- Returns {1, ""} when stored, {0, <the stored entry's text>} when refused by the stamps,
-- {2, <the stored entry's text or "">} when refused by the scope's caps.
--
-- Expiry rule (both keys always get the same one):
--   * while any field holds an entry without expiry, the keys never expire (PERSIST);
--   * otherwise they expire at "\0latest", the greatest x ever stored since the keys were
--     created: never before any entry they hold, at the cost of keeping expired entries until
--     then. An entry whose x has passed counts as absent here, as in snapshots.

local entries, stamps = KEYS[1], KEYS[2]
local key, text, wall, counter, tab = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local expire_at = ARGV[10]
local FOREVER, LATEST, BYTES = '\0forever', '\0latest', '\0bytes'

-- Server time (TIME may be called in scripts since Redis 5: effects are replicated).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local held = redis.call('HGET', stamps, key)
local hw, hc, ht, hx
if held then
  hw, hc, ht, hx = string.match(held, '^([0-9]+):([0-9]+):([^:]+):([0-9]*)$')
end
local live = hw ~= nil and (hx == '' or tonumber(hx) > now)

if live then
  if stamp_cmp(wall, counter, tab, hw, hc, ht) <= 0 then
    return {0, redis.call('HGET', entries, key) or ''}
  end
  -- Compare-and-set: the writer must have seen the stored stamp (base >= stored).
  if ARGV[6] == '1' and (ARGV[9] == '' or stamp_cmp(hw, hc, ht, ARGV[7], ARGV[8], ARGV[9]) > 0) then
    return {0, redis.call('HGET', entries, key) or ''}
  end
end

-- The scope's caps: a new key past the key cap, or growth past the byte cap, is refused;
-- replacing a key with an entry no larger always passes, so a full scope never freezes.
-- (An expired entry still holds its field and bytes until it is replaced or the hash
-- expires: the caps count it.)
local size = tonumber(ARGV[15])
local old_size = redis.call('HSTRLEN', entries, key)
if old_size == 0 and redis.call('HLEN', entries) >= tonumber(ARGV[13]) then
  return {2, redis.call('HGET', entries, key) or ''}
end
local total = tonumber(redis.call('HGET', stamps, BYTES) or '0')
if size > old_size and total + size - old_size > tonumber(ARGV[14]) then
  return {2, redis.call('HGET', entries, key) or ''}
end

redis.call('HSET', entries, key, text)
redis.call('HINCRBY', stamps, BYTES, size - old_size)
redis.call('HSET', stamps, key, wall .. ':' .. counter .. ':' .. tab .. ':' .. expire_at)

-- Count the fields without expiry: the old entry (even an expired one) may have been one.
local was_forever = hw ~= nil and hx == ''
local is_forever = expire_at == ''
if was_forever and not is_forever then
  redis.call('HINCRBY', stamps, FOREVER, -1)
elseif is_forever and not was_forever then
  redis.call('HINCRBY', stamps, FOREVER, 1)
end
if not is_forever then
  -- Keep the text as given: tostring() of a Lua number loses digits past 14.
  local latest = redis.call('HGET', stamps, LATEST)
  if not latest or tonumber(expire_at) > tonumber(latest) then
    redis.call('HSET', stamps, LATEST, expire_at)
  end
end

if tonumber(redis.call('HGET', stamps, FOREVER) or '0') > 0 then
  redis.call('PERSIST', entries)
  redis.call('PERSIST', stamps)
else
  -- A time already past deletes both keys now: every entry in them has expired.
  local latest = redis.call('HGET', stamps, LATEST)
  redis.call('PEXPIREAT', entries, latest)
  redis.call('PEXPIREAT', stamps, latest)
end

if ARGV[11] ~= '' then
  redis.call('PUBLISH', ARGV[11], ARGV[12])
end
return {1, ''}
