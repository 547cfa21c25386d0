package redisbreaker

import goredis "github.com/redis/go-redis/v9"

// The shared state of one breaker lives in three keys with one hash tag
// (one Cluster slot): KEYS[1] a hash {state, gen, opened, consec, trials,
// tslow} (trials: the half-open trials that succeeded, tslow: the slow
// ones among them),
// KEYS[2] the window (a hash of per-bucket counts of successes, failures
// and slow calls among them, "<bucket>:s", "<bucket>:f" and "<bucket>:w"), KEYS[3] the half-open leases (a sorted
// set of lease holders scored by expiry). Times are the server's, in
// microseconds. Every change of state bumps gen, clears the window and the
// leases, is written once by the script that decides it, and is published
// on the channel the caller names ("<state> <gen> <reason>").
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'state', 'gen', 'opened', 'consec', 'trials', 'tslow')
local state = h[1] or 'closed'
local gen = tonumber(h[2] or '0')
local opened = tonumber(h[3] or '0')
local consec = tonumber(h[4] or '0')
local trials = tonumber(h[5] or '0')
local tslow = tonumber(h[6] or '0')
local function move(s, reason, channel)
  state = s
  gen = gen + 1
  consec = 0
  trials = 0
  tslow = 0
  if s == 'open' then opened = now end
  redis.call('DEL', KEYS[2], KEYS[3])
  redis.call('PUBLISH', channel, string.format('%s %.0f %s', s, gen, reason))
end
local function save()
  redis.call('HSET', KEYS[1], 'state', state, 'gen', string.format('%.0f', gen), 'opened', string.format('%.0f', opened),
    'consec', string.format('%.0f', consec), 'trials', string.format('%.0f', trials), 'tslow', string.format('%.0f', tslow))
end
local function recover(recovery, channel)
  if state == 'open' and now >= opened + recovery then move('half_open', 'recovery_timeout', channel) end
end
local function reclaim(channel)
  if state == 'half_open' and #redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 1) > 0 then
    move('open', 'lease_expired', channel)
  end
end
local function reply(recovery, extra)
  local left = 0
  if state == 'open' then left = opened + recovery - now end
  return {state, string.format('%.0f', gen), left, extra}
end
`

// flush adds a process's outcomes to the shared window and judges it.
// ARGV: successes, failures, failures since the process's last success,
// bucket width (µs), buckets, minimum calls, failure rate (0: off),
// failure threshold (0: off), recovery timeout (µs), channel, slow calls
// among the successes and failures, slow-call rate (0: off). In CLOSED,
// the run of failures is the process's trailing failures when the batch
// holds a success, else the shared run plus the batch's failures; the
// slow-call rate is the window's slow calls over its calls. It
// also moves OPEN to HALF_OPEN once the recovery timeout has passed and
// reclaims expired leases. Returns {state, gen, µs left open, 0}.
var flush = goredis.NewScript(prelude + `
local succ, fail, trailing = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local width, buckets, minCalls = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local rate, threshold, recovery, channel = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), ARGV[10]
local slow, srate = tonumber(ARGV[11]), tonumber(ARGV[12])
recover(recovery, channel)
reclaim(channel)
if state == 'closed' and succ + fail + slow > 0 then
  local b = math.floor(now / width)
  local key = string.format('%.0f', b)
  if succ > 0 then redis.call('HINCRBY', KEYS[2], key .. ':s', succ) end
  if fail > 0 then redis.call('HINCRBY', KEYS[2], key .. ':f', fail) end
  if slow > 0 then redis.call('HINCRBY', KEYS[2], key .. ':w', slow) end
  local all = redis.call('HGETALL', KEYS[2])
  local s, f, w = 0, 0, 0
  for i = 1, #all, 2 do
    local bb, kind = string.match(all[i], '^(%d+):(%a)$')
    bb = tonumber(bb)
    if bb == nil or bb <= b - buckets then
      redis.call('HDEL', KEYS[2], all[i])
    elseif kind == 's' then
      s = s + tonumber(all[i + 1])
    elseif kind == 'w' then
      w = w + tonumber(all[i + 1])
    else
      f = f + tonumber(all[i + 1])
    end
  end
  if succ > 0 then consec = trailing else consec = consec + fail end
  if threshold > 0 and consec >= threshold then
    move('open', 'failure_threshold', channel)
  elseif rate > 0 and s + f >= minCalls and f >= rate * (s + f) then
    move('open', 'failure_rate', channel)
  elseif srate > 0 and s + f >= minCalls and w >= srate * (s + f) then
    move('open', 'slow_call_rate', channel)
  end
end
save()
return reply(recovery, 0)
`)

// trial leases a half-open trial to ARGV[1] (a member unique to the call)
// for ARGV[2] µs if fewer than ARGV[3] leases are held. ARGV[4] is the
// recovery timeout (µs), ARGV[5] the channel. Returns {state, gen, µs left
// open, 1 if granted}.
var trial = goredis.NewScript(prelude + `
local member, lease, max, recovery, channel = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
recover(recovery, channel)
reclaim(channel)
local granted = 0
if state == 'half_open' and redis.call('ZCARD', KEYS[3]) < max then
  redis.call('ZADD', KEYS[3], now + lease, member)
  granted = 1
end
save()
return reply(recovery, granted)
`)

// report ends the trial lease ARGV[1] of generation ARGV[2] with outcome
// ARGV[3] ("success", "failure" or "ignored"): a failure opens the circuit,
// the ARGV[4]-th success closes it. A lease that expired first was
// reclaimed as a failure, and its report counts nothing. ARGV[5] is the
// recovery timeout (µs), ARGV[6] the channel, ARGV[7] 1 if the trial was
// slow, ARGV[8] the slow-call rate (0: off): once the slow successes reach
// that rate of the successes, the circuit opens again.
var report = goredis.NewScript(prelude + `
local member, g, outcome, need, recovery, channel = ARGV[1], tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local slow, srate = tonumber(ARGV[7]), tonumber(ARGV[8])
reclaim(channel)
if redis.call('ZREM', KEYS[3], member) == 1 and state == 'half_open' and gen == g then
  if outcome == 'failure' then
    move('open', 'trial_failed', channel)
  elseif outcome == 'success' then
    trials = trials + 1
    tslow = tslow + slow
    if srate > 0 and tslow >= srate * trials then
      move('open', 'slow_call_rate', channel)
    elseif trials >= need then
      move('closed', 'success_threshold', channel)
    end
  end
end
save()
return reply(recovery, 0)
`)
