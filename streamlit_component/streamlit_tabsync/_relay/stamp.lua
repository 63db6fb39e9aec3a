-- Stamp order: the one source of it for the Redis scripts. redis_relay.py prepends this file
-- to put.lua and compare.lua, so both compare exactly alike.
--
-- A stamp is (wall ms, counter, tab id), walls and counters given as decimal strings. They
-- are compared as numbers (Lua numbers are doubles: exact below 2^53, which entries respect),
-- then the tab ids byte by byte. Never `<` on strings here: Redis's Lua compares strings
-- with strcoll, i.e. in the order of the server's locale, not by bytes.

-- -1 when stamp a is older than stamp b, 0 when equal, 1 when newer.
local function stamp_cmp(wall_a, counter_a, tab_a, wall_b, counter_b, tab_b)
  local wa, wb = tonumber(wall_a), tonumber(wall_b)
  if wa ~= wb then
    if wa < wb then return -1 end
    return 1
  end
  local ca, cb = tonumber(counter_a), tonumber(counter_b)
  if ca ~= cb then
    if ca < cb then return -1 end
    return 1
  end
  local la, lb = string.len(tab_a), string.len(tab_b)
  for i = 1, math.min(la, lb) do
    local ba, bb = string.byte(tab_a, i), string.byte(tab_b, i)
    if ba ~= bb then
      if ba < bb then return -1 end
      return 1
    end
  end
  -- One is a prefix of the other (or they are equal): the shorter is older.
  if la < lb then return -1 end
  if la > lb then return 1 end
  return 0
end
