package redis

import goredis "github.com/redis/go-redis/v9"

// The scripts count time in whole microseconds. Lua's numbers are doubles,
// exact for integers up to 2^53 µs (285 years from 1970), so every value
// they hold is an integer below that bound (see MaxPeriod), and what needs
// a division is computed by the caller, in Go, exactly.
//
// Both take the time as ARGV[1] (0 = read the server's TIME), the limit as
// ARGV[2] and the period as ARGV[3], and return {allowed (1 or 0),
// microseconds until the next admission}.

// luaNow starts every script: now is ARGV[1], or the server's TIME if
// that is 0, in microseconds.
const luaNow = `
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
`

// slidingWindow: KEYS[1] is the sorted set of admitted requests (score =
// time), KEYS[2] a sequence that makes members unique; ARGV[4] is their
// time to live in milliseconds (the period and a grace). A request is admitted
// while fewer than limit were admitted in (now - period, now].
var slidingWindow = goredis.NewScript(luaNow + `
local limit = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, string.format('%.0f:%.0f', now, seq))
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + period - now
if wait < 1 then wait = 1 end
return {0, wait}
`)

// gcra: KEYS[1] holds the theoretical arrival time (TAT) as "T F": T whole
// microseconds plus F/limit of one (0 <= F < limit), so the emission
// interval period/limit = Q + R/limit (ARGV[4], ARGV[5]) adds up exactly.
// The tolerance period - interval = TQ + TR/limit (ARGV[6], ARGV[7]). The
// key lives ARGV[8] milliseconds past the TAT. A request may go after
// wait = TAT - now - tolerance (rounded up to a microsecond; 0 if
// negative); it is granted when wait <= ARGV[9] (0 for a decision now, the
// time left to a deadline for a reservation), and then TAT grows by one
// interval: a burst of limit, then one request every period/limit, with no
// rounding. A decision now (ARGV[9] 0) takes up to ARGV[10] permits at once
// while each would be granted now, one after another (the local token
// cache); a reservation takes 1. A grant returns {permits, wait, TAT after,
// TAT before} so that gcraCancel can give a reservation back; a refusal
// {0, wait}. A value of
// the older form "T" reads as "T 0"; anything else as no value.
var gcra = goredis.NewScript(luaNow + `
local limit = tonumber(ARGV[2])
local q, r = tonumber(ARGV[4]), tonumber(ARGV[5])
local tq, tr = tonumber(ARGV[6]), tonumber(ARGV[7])
local tat, f = now, 0
local v = redis.call('GET', KEYS[1])
if v then
  local a, b = string.match(v, '^(%d+) (%d+)$')
  if not a then a = string.match(v, '^(%d+)$'); b = '0' end
  if a then tat, f = tonumber(a), tonumber(b) end
  if tat < now or f >= limit then tat, f = now, 0 end
end
local ahead = tat - now
local wait = 0
if ahead > tq or (ahead == tq and f > tr) then
  wait = ahead - tq
  if f > tr then wait = wait + 1 end
end
if wait > tonumber(ARGV[9]) then
  return {0, wait}
end
local before = string.format('%.0f %.0f', tat, f)
local batch = tonumber(ARGV[10])
local granted = 0
repeat
  tat = tat + q
  f = f + r
  if f >= limit then
    tat = tat + 1
    f = f - limit
  end
  granted = granted + 1
  ahead = tat - now
until granted >= batch or ahead > tq or (ahead == tq and f > tr)
local after = string.format('%.0f %.0f', tat, f)
redis.call('SET', KEYS[1], after, 'PX', math.ceil((tat - now) / 1000) + tonumber(ARGV[8]))
return {granted, wait, after, before}
`)

// gcraCancel gives a reservation back: if KEYS[1] still holds the TAT the
// reservation left (ARGV[1]), no later grant depends on it, and the TAT
// goes back to what it was before (ARGV[2]); otherwise nothing changes, as
// x/time/rate's Reservation.Cancel. It returns 1 if it gave back.
var gcraCancel = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0
`)

// gcraReturn gives back up to ARGV[5] permits that a batch (the local token
// cache) took and did not use. ARGV[6] is the TAT the batch's grant left
// ("T F"); ARGV[2..4] are limit, Q and R as for gcra; ARGV[1] the time (0:
// the server's TIME). One permit goes back while both the key's TAT and
// the grant's end, one emission interval earlier, are still at or after
// now: only a part of the grant still ahead of the server's time, so that
// the key never admits more than if the batch had taken only the permits
// it used. The key keeps its expiry. It returns the count given back.
var gcraReturn = goredis.NewScript(luaNow + `
local limit, q, r, m = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local a, b = string.match(v, '^(%d+) (%d+)$')
local ga, gb = string.match(ARGV[6], '^(%d+) (%d+)$')
if not a or not ga then return 0 end
local tat, f, gt, gf = tonumber(a), tonumber(b), tonumber(ga), tonumber(gb)
local n = 0
while n < m do
  local t2, f2, g2, h2 = tat - q, f - r, gt - q, gf - r
  if f2 < 0 then t2, f2 = t2 - 1, f2 + limit end
  if h2 < 0 then g2, h2 = g2 - 1, h2 + limit end
  if t2 < now or g2 < now then break end
  tat, f, gt, gf = t2, f2, g2, h2
  n = n + 1
end
if n > 0 then redis.call('SET', KEYS[1], string.format('%.0f %.0f', tat, f), 'KEEPTTL') end
return n
`)
