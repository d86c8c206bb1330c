/**
 * The Lua scripts of the Redis admission (`redis-admission.ts`). Every scope of a call has up
 * to three keys: its budget account (hash: committed, reserved, resetAt, stated, settledAt —
 * nano-dollars and epoch ms, -1 for "none"), its tickets (sorted set of `<ticket id>:<hold>`
 * scored by when the ticket expires: the requests in flight and the money they hold) and its
 * rate window of the current minute (hash: req, tok).
 *
 * A ticket that is never settled (its instance was killed) expires: the next admission of the
 * scope removes it and gives its hold back, so the slot and the money come back by themselves.
 */

/** Values per scope in ADMIT's ARGV, after the 6 common ones. */
export const ADMIT_SCOPE_ARGS = 8;

/** Budget accounts drop after a week unused (every call refreshes it); re-seeded then. */
export const ACCOUNT_TTL_MS = 7 * 86_400_000;

/**
 * admit. KEYS: per scope account, tickets, window. ARGV: now, ticket id, hold, ticket expiry
 * (ms), window TTL (ms), scope count; then per scope: max budget, rpm, tpm, parallel (-1 =
 * none), stated reset (-1), the next reset after it (-1), seed spend and seed reset (-2 = no
 * seed; the account is not needed when max budget and stated reset are both -1).
 *
 * Answers {code, scope index, value, then per reset: its scope index and the committed spend of
 * the period it ended}: code 0 admitted; 1 accounts
 * missing (value unused, the rest are the indices to seed, nothing changed); 2 parallel;
 * 3 rpm; 4 tpm; 5 budget (value = committed). A due budget period is reset (committed = 0,
 * resetAt = next) whether or not the call is admitted, and reported once, to this caller only.
 */
export const ADMIT = `
local now = tonumber(ARGV[1])
local member = ARGV[2] .. ':' .. ARGV[3]
local hold = tonumber(ARGV[3])
local expires = tonumber(ARGV[4])
local windowTtl = tonumber(ARGV[5])
local n = tonumber(ARGV[6])
local function arg(i, k) return tonumber(ARGV[6 + (i - 1) * ${ADMIT_SCOPE_ARGS} + k]) end
local function hasAccount(i) return arg(i, 1) ~= -1 or arg(i, 5) ~= -1 end
local function isRated(i) return arg(i, 2) ~= -1 or arg(i, 3) ~= -1 or arg(i, 4) ~= -1 end

local missing = {}
for i = 1, n do
  local account, tickets = KEYS[i * 3 - 2], KEYS[i * 3 - 1]
  local expired = redis.call('ZRANGEBYSCORE', tickets, '-inf', now)
  if #expired > 0 then
    local back = 0
    for _, m in ipairs(expired) do back = back + tonumber(string.match(m, ':(%d+)$')) end
    redis.call('ZREMRANGEBYSCORE', tickets, '-inf', now)
    -- (HINCRBY refuses "-0": only a non-zero amount is given back)
    if back > 0 and redis.call('EXISTS', account) == 1 then
      redis.call('HINCRBY', account, 'reserved', -back)
    end
  end
  if hasAccount(i) and arg(i, 7) == -2 and redis.call('EXISTS', account) == 0 then
    missing[#missing + 1] = i
  end
end
if #missing > 0 then
  local reply = {1, 0, 0}
  for _, i in ipairs(missing) do reply[#reply + 1] = i end
  return reply
end

local resets = {}
local committed = {}
local reserved = {}
for i = 1, n do
  local account = KEYS[i * 3 - 2]
  if hasAccount(i) then
    if redis.call('EXISTS', account) == 0 then
      redis.call('HSET', account, 'committed', arg(i, 7), 'reserved', 0,
        'resetAt', arg(i, 8), 'stated', arg(i, 8), 'settledAt', 0)
    end
    redis.call('PEXPIRE', account, ${ACCOUNT_TTL_MS})
    local a = redis.call('HMGET', account, 'committed', 'reserved', 'resetAt', 'stated')
    local c, r, resetAt, stated = tonumber(a[1]), tonumber(a[2]), tonumber(a[3]), tonumber(a[4])
    local statedNow = arg(i, 5)
    if statedNow ~= stated then
      -- The row's period changed (budget_duration set, changed or cleared; or this ledger's
      -- own reset read back). A stated time already due while the account's own is not is a
      -- row cached before the last reset was written: ignore it, or the period resets twice.
      local stale = statedNow ~= -1 and statedNow <= now and resetAt ~= -1 and resetAt > now
      if not stale then
        resetAt = statedNow
        redis.call('HSET', account, 'stated', statedNow, 'resetAt', statedNow)
      end
    end
    if resetAt ~= -1 and now >= resetAt then
      -- Reported with what the ended period had committed: the writer subtracts exactly that.
      resets[#resets + 1] = i
      resets[#resets + 1] = c
      c = 0
      redis.call('HSET', account, 'committed', 0, 'resetAt', arg(i, 6))
    end
    committed[i], reserved[i] = c, r
  end
end

local function refuse(code, i, value)
  local reply = {code, i, value}
  for _, j in ipairs(resets) do reply[#reply + 1] = j end
  return reply
end

local windows = {}
for i = 1, n do
  if isRated(i) then
    local w = redis.call('HMGET', KEYS[i * 3], 'req', 'tok')
    local req, tok = tonumber(w[1]) or 0, tonumber(w[2]) or 0
    local parallel, rpm, tpm = arg(i, 4), arg(i, 2), arg(i, 3)
    if parallel ~= -1 and redis.call('ZCARD', KEYS[i * 3 - 1]) >= parallel then
      return refuse(2, i, parallel)
    end
    if rpm ~= -1 and req >= rpm then return refuse(3, i, rpm) end
    if tpm ~= -1 and tok >= tpm then return refuse(4, i, tpm) end
  end
end
for i = 1, n do
  local max = arg(i, 1)
  if max ~= -1 and committed[i] + reserved[i] >= max then return refuse(5, i, committed[i]) end
end

for i = 1, n do
  local account, tickets, window = KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3]
  if isRated(i) then
    redis.call('HINCRBY', window, 'req', 1)
    redis.call('PEXPIRE', window, windowTtl)
  end
  if isRated(i) or hasAccount(i) then
    redis.call('ZADD', tickets, expires, member)
    redis.call('PEXPIRE', tickets, expires - now + windowTtl)
  end
  if hasAccount(i) and hold > 0 then
    redis.call('HINCRBY', account, 'reserved', hold)
  end
end
return refuse(0, 0, 0)
`;

/**
 * settle. KEYS: per scope account, tickets, window (of the settle time). ARGV: ticket member
 * (`<id>:<hold>`), actual cost, tokens, window TTL, now, scope count; then per scope: whether
 * it has an account (1/0), whether it is rated (1/0). A ticket that already expired gave its
 * hold back then; an account that is gone (Redis flushed) is left for the next seed.
 */
export const SETTLE = `
local member = ARGV[1]
local hold = tonumber(string.match(member, ':(%d+)$'))
local actual = tonumber(ARGV[2])
local tokens = tonumber(ARGV[3])
local windowTtl = tonumber(ARGV[4])
local now = ARGV[5]
local n = tonumber(ARGV[6])
for i = 1, n do
  local account, tickets, window = KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3]
  local held = redis.call('ZREM', tickets, member)
  if ARGV[6 + i * 2 - 1] == '1' and redis.call('EXISTS', account) == 1 then
    if held == 1 and hold > 0 then redis.call('HINCRBY', account, 'reserved', -hold) end
    if actual > 0 then redis.call('HINCRBY', account, 'committed', actual) end
    redis.call('HSET', account, 'settledAt', now)
    redis.call('PEXPIRE', account, ${ACCOUNT_TTL_MS})
  end
  if ARGV[6 + i * 2] == '1' and tokens > 0 then
    redis.call('HINCRBY', window, 'tok', tokens)
    redis.call('PEXPIRE', window, windowTtl)
  end
end
return 1
`;

/**
 * reconcile one account with its database counter. KEYS: account. ARGV: db spend, db reset
 * (-1), now, quiet ms. Redis committed = db counter + spend settled but not flushed yet, so:
 * - another period in Redis than in the database (a reset not flushed yet): leave it;
 * - committed < db: Redis lost spend (flushed, restarted, a settle that timed out): raise it
 *   to the database's value — never add, so nothing is counted twice;
 * - committed > db with no settlement for `quiet` ms (longer than a few flushes, so every
 *   writer has flushed what was settled): the difference is not in flight, take the db value.
 * Answers 0 unchanged, 1 raised, 2 lowered.
 */
export const RECONCILE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local a = redis.call('HMGET', KEYS[1], 'committed', 'resetAt', 'settledAt')
local committed, resetAt, settledAt = tonumber(a[1]), tonumber(a[2]), tonumber(a[3]) or 0
local db, dbReset = tonumber(ARGV[1]), tonumber(ARGV[2])
if resetAt ~= dbReset then return 0 end
if committed < db then
  redis.call('HSET', KEYS[1], 'committed', db)
  return 1
end
if committed > db and tonumber(ARGV[3]) - settledAt > tonumber(ARGV[4]) then
  redis.call('HSET', KEYS[1], 'committed', db)
  return 2
end
return 0
`;
