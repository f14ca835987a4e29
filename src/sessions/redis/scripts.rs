//! The Lua scripts of the store: each is one atomic step on the keys of one
//! trip, which share a hash slot (`{prefix}{{trip}}:…`), so each runs on one
//! node of a Redis Cluster too. Keys a script reaches from a set's members
//! (a trip's sessions) are built from `ARGV[1]`, the trip's key base, and lie
//! in that same slot. Every key written gets an absolute expiry in the same
//! step, never earlier than the one it has.

/// Sets `k` to expire at `t`, never earlier than it already does.
pub const EXPIRE_FN: &str = r#"
local function expire_at(k, t)
  if redis.call('EXPIRETIME', k) == -1 then redis.call('EXPIREAT', k, t)
  else redis.call('EXPIREAT', k, t, 'GT') end
end
"#;

/// A scan: resume, or count the activation and open the session.
pub const OPEN: &str = r#"
-- KEYS: seat counter, session, trip sessions, trip seat counters, session to resume
-- ARGV: cap, expires_at, id, trip, seat_code, opened_at
if redis.call('HGET', KEYS[5], 'trip') == ARGV[4] then return 2 end
local n = redis.call('INCR', KEYS[1])
expire_at(KEYS[1], ARGV[2])
redis.call('SADD', KEYS[4], KEYS[1])
expire_at(KEYS[4], ARGV[2])
if n > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], 'trip', ARGV[4], 'seat', ARGV[5], 'opened', ARGV[6], 'expires', ARGV[2],
  'live', ARGV[4] .. ' ' .. ARGV[6] .. ' ' .. ARGV[2])
redis.call('EXPIREAT', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
expire_at(KEYS[3], ARGV[2])
return 1
"#;

/// Moves every session of a trip (and its data, and the seat counters) to a later end.
pub const EXTEND: &str = r#"
-- KEYS: trip sessions, trip seat counters; ARGV: the trip's key base, expires_at
local t = tonumber(ARGV[2])
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local s = ARGV[1] .. 's:' .. id
  if redis.call('EXISTS', s) == 1 then
    live = live + 1
    -- Never earlier; the packed field is rewritten whenever it differs (a
    -- record of an older trajet, or one that an older trajet extended).
    local f = redis.call('HMGET', s, 'trip', 'opened', 'expires', 'live')
    if f[1] and f[2] and f[3] then
      local e = math.max(tonumber(f[3]), t)
      local packed = f[1] .. ' ' .. f[2] .. ' ' .. string.format('%d', e)
      if tonumber(f[3]) < t or f[4] ~= packed then
        redis.call('HSET', s, 'expires', string.format('%d', e), 'live', packed)
      end
    end
    redis.call('EXPIREAT', s, t, 'GT')
    redis.call('EXPIREAT', s .. ':p', t, 'GT')
    redis.call('EXPIREAT', s .. ':c', t, 'GT')
  end
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('EXPIREAT', k, t, 'GT') end
redis.call('EXPIREAT', KEYS[1], t, 'GT')
redis.call('EXPIREAT', KEYS[2], t, 'GT')
return live
"#;

/// Ends every session of a trip now.
pub const END: &str = r#"
-- KEYS: trip sessions, trip seat counters; ARGV: the trip's key base
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local s = ARGV[1] .. 's:' .. id
  live = live + redis.call('DEL', s)
  redis.call('DEL', s .. ':p', s .. ':c')
end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[1], KEYS[2])
return live
"#;

/// Counts the live sessions of a trip.
pub const LIVE: &str = r#"
-- KEYS: trip sessions; ARGV: the trip's key base
local live = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  live = live + redis.call('EXISTS', ARGV[1] .. 's:' .. id)
end
return live
"#;

/// Saves a progress document unless a newer one is stored.
pub const SAVE_PROGRESS: &str = r#"
-- KEYS: session, progress; ARGV: title, modified, document
local exp = redis.call('EXPIRETIME', KEYS[1])
if exp < 0 then return -1 end
local stored = redis.call('HGET', KEYS[2], ARGV[1] .. '\0m')
if stored and tonumber(stored) > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[2], ARGV[1] .. '\0m', ARGV[2], ARGV[1], ARGV[3])
expire_at(KEYS[2], exp)
return 1
"#;

/// Adds to a counter of a live session.
pub const INCR: &str = r#"
-- KEYS: session, counters; ARGV: name, by
local exp = redis.call('EXPIRETIME', KEYS[1])
if exp < 0 then return false end
local v = redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[2])
expire_at(KEYS[2], exp)
return v
"#;
