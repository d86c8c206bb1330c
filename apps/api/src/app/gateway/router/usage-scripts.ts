/**
 * The Lua scripts of usage-based-routing across instances (`deployment-usage.ts`). Each
 * deployment with an rpm or tpm has one hash per minute (`req`, `tok`) that expires after two
 * minutes; every instance reads and writes the same ones, so a deployment's limits hold for
 * the cluster, not per instance.
 */

/** Arguments per candidate in TAKE, after the three shared ones. */
export const TAKE_CANDIDATE_ARGS = 2;

/**
 * Picks a deployment and takes its request slot, atomically: `usagePick` (strategies.ts) in
 * Lua — the same rule, checked against the same cases by `usage-scripts.spec.ts`.
 *
 * KEYS[i]: candidate i's counters of this minute. ARGV: tokens of the request, r (the tie
 * draw in [0, 1)), the counters' ttl in ms, then per candidate rpm and tpm (-1 = none). A
 * candidate without either limit is never read or written (its share is 0, it always has
 * room). Answers the 1-based index of the chosen candidate (its counters now include this
 * request and its tokens), or 0 when none has room.
 */
export const TAKE = `
local tokens, r, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local best, bestShare = {}, math.huge
local limited = {}
for i = 1, #KEYS do
  local rpm, tpm = tonumber(ARGV[2 + 2 * i]), tonumber(ARGV[3 + 2 * i])
  local room, share = true, 0
  if rpm >= 0 or tpm >= 0 then
    limited[i] = true
    local c = redis.call('HMGET', KEYS[i], 'req', 'tok')
    local req, tok = tonumber(c[1]) or 0, tonumber(c[2]) or 0
    if rpm >= 0 and req + 1 > rpm then room = false end
    if tpm >= 0 and tok + tokens > tpm then room = false end
    local used, limit = req, rpm
    if tpm >= 0 then used, limit = tok, tpm end
    if limit > 0 then share = used / limit else share = 1 end
  end
  if room then
    if share < bestShare then
      bestShare = share
      best = {i}
    elseif share == bestShare then
      best[#best + 1] = i
    end
  end
end
if #best == 0 then return 0 end
local chosen = best[math.floor(r * #best) + 1]
if limited[chosen] then
  redis.call('HINCRBY', KEYS[chosen], 'req', 1)
  redis.call('HINCRBY', KEYS[chosen], 'tok', tokens)
  redis.call('PEXPIRE', KEYS[chosen], ttl)
end
return chosen
`;

/**
 * A call settled: its actual tokens replace the estimate counted by TAKE, in the minute the
 * slot was taken in. KEYS[1]: that minute's counters; ARGV[1]: actual − estimate. A window
 * that expired meanwhile is not brought back.
 */
export const SETTLE_TOKENS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], 'tok', ARGV[1])
return 1
`;
