// The Redis limiter's two Lua scripts. Redis runs a script atomically, so one script per admission checks and
// takes the demand on every scope (deployment and pool) with nothing in between, across all replicas. The clock
// is Redis's own (TIME), so replicas' clocks never disagree about refill. They repeat only math.ts's `refilled`
// and `fits` (test/limits-redis.test.ts runs both side by side); a refusal returns the levels, and math.ts
// computes which limit refused and the retry-after from them.
//
// A bucket is a hash {r, i, o, t} (requests, input, output, last refill in ms) that expires once it would have
// refilled to full and no loan is out: a missing key is a full bucket, so expiry never changes a decision.
//
// Leases (redis.ts): an admission may also lend the replica a slice of the bucket, which the replica then spends
// without a round trip. What is out on loan is in the same hash, one field per replica holding a slice:
// `l:{replica}:{generation}` = "requests input output deadline". A slice is taken from the levels when lent, and
// until repaid the bucket refills only up to its limit less the live loans, so what every replica can admit is
// still what one bucket holds. Each loan has its own deadline, which only its own replica's lending moves on (the
// lease's life plus a grace: no replica spends a slice past its life), so a loan nobody repays (its replica died)
// stops counting at its deadline whatever the other replicas do, and the next script on the bucket deletes it.
// A replica that dropped its slices unrepaid (a failed command) lends under a new generation from then on, and
// its next script deletes its loans of older generations, which it no longer spends (redis.ts says why). So the
// hash holds at most one loan per replica that held a slice of it within the last hold (live replicas, and those
// that died or dropped their slices since, until their deadline or their next script): reading all of it at
// every admission stays bounded by the number of replicas.

/** Shared prelude: the clock, refill, and loading and storing scope `k` (1-based) from KEYS[k] and its limits in ARGV. */
const PRELUDE = `
local MINUTE = 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
-- ARGV: 8 header values, the last two this replica's loan-field prefix and its generation; then 4 per scope:
-- rpm, itpm, otpm and a flag the reserve script reads.
local OWNER, GEN = ARGV[7], tonumber(ARGV[8])
local MINE = OWNER .. ARGV[8]
local function refilled(level, elapsed, limit, cap)
  if elapsed > 0 then level = level + elapsed * limit / MINUTE end
  if level > cap then return cap end
  return level
end
-- Scope k: its levels (refilled), its limits, the sum of the live loans and their latest deadline, this replica's
-- loan, and the loans to delete (past their deadline, or this replica's of an older generation).
local function load(k)
  local base = 8 + (k - 1) * 4
  local lim = {tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])}
  local h = redis.call('HGETALL', KEYS[k])
  local s = {lv = {}, lim = lim, lent = {0, 0, 0}, till = 0, own = {0, 0, 0}, ownTill = 0, gone = {}}
  local last
  for n = 1, #h, 2 do
    local f, v = h[n], h[n + 1]
    if f == 'r' then s.lv[1] = tonumber(v)
    elseif f == 'i' then s.lv[2] = tonumber(v)
    elseif f == 'o' then s.lv[3] = tonumber(v)
    elseif f == 't' then last = tonumber(v)
    elseif string.sub(f, 1, 2) == 'l:' then
      local a, b, c, d = string.match(v, '^(%S+) (%S+) (%S+) (%S+)$')
      d = tonumber(d)
      local older = string.sub(f, 1, #OWNER) == OWNER and (tonumber(string.sub(f, #OWNER + 1)) or 0) < GEN
      if not d or d <= now or older then
        s.gone[#s.gone + 1] = f
      else
        local l = {tonumber(a), tonumber(b), tonumber(c)}
        for j = 1, 3 do s.lent[j] = s.lent[j] + l[j] end
        if d > s.till then s.till = d end
        if f == MINE then s.own, s.ownTill = l, d end
      end
    end
  end
  for j = 1, 3 do
    if last then s.lv[j] = refilled(s.lv[j], now - last, lim[j], lim[j] - s.lent[j]) else s.lv[j] = lim[j] - s.lent[j] end
  end
  return s
end
local function num(x) return string.format('%.17g', x) end
-- Deletes the loans load() found gone (also when the script changes nothing else).
local function forget(k, s)
  if #s.gone > 0 then redis.call('HDEL', KEYS[k], unpack(s.gone)) end
end
-- Writes scope k back: its levels, this replica's loan if it changed (deleted once repaid; what is left under a
-- millionth is rounding), and an expiry once the bucket would be full and no loan is out.
local function store(k, s, ownChanged)
  local lv, lim = s.lv, s.lim
  local full = 0
  for j = 1, 3 do
    if lim[j] > 0 and lv[j] < lim[j] then
      local ms = (lim[j] - lv[j]) * MINUTE / lim[j]
      if ms > full then full = ms end
    end
  end
  if s.till - now > full then full = s.till - now end
  redis.call('HSET', KEYS[k], 'r', num(lv[1]), 'i', num(lv[2]), 'o', num(lv[3]), 't', num(now))
  if ownChanged then
    local o = s.own
    if o[1] < 1e-6 and o[2] < 1e-6 and o[3] < 1e-6 then
      s.gone[#s.gone + 1] = MINE
    else
      redis.call('HSET', KEYS[k], MINE, num(o[1]) .. ' ' .. num(o[2]) .. ' ' .. num(o[3]) .. ' ' .. num(s.ownTill))
    end
  end
  forget(k, s)
  redis.call('PEXPIRE', KEYS[k], math.ceil(full) + 1000)
end
`;

/**
 * KEYS: one bucket per scope. ARGV: the demand (requests, input, output), the lease share of each limit (0: lend
 * nothing), the share of each limit a bucket keeps after lending, how long Redis holds a loan (ms), this replica's
 * loan-field prefix (`l:{replica}:`) and generation; then per scope its rpm, itpm, otpm and 1 if this replica
 * wants a lease of it (0 if not).
 * Returns {1, then per scope the lease lent (requests, input, output; 0s for none)} when the demand was taken from
 * every scope; else {0, levels of each scope}. Numbers as strings (Redis would truncate them to integers).
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local demand = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local share, keep, hold = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local scopes = {}
local ok = true
for k = 1, #KEYS do
  local s = load(k)
  scopes[k] = s
  for j = 1, 3 do
    local need = demand[j]
    if s.lim[j] == 0 then
      if need > 0 then ok = false end
    else
      if need > s.lim[j] then need = s.lim[j] end
      if s.lv[j] < need then ok = false end
    end
  end
end
if not ok then
  local out = {0}
  for k = 1, #KEYS do
    forget(k, scopes[k])
    for j = 1, 3 do out[#out + 1] = num(scopes[k].lv[j]) end
  end
  return out
end
local out = {1}
for k = 1, #KEYS do
  local s = scopes[k]
  local lv, lim = s.lv, s.lim
  for j = 1, 3 do lv[j] = lv[j] - demand[j] end
  local slice = {0, 0, 0}
  local lent = false
  if share > 0 and ARGV[8 + k * 4] == '1' then
    local can = true
    for j = 1, 3 do
      slice[j] = lim[j] * share
      -- A slice that cannot cover even this request is not worth a lease; none while the bucket runs low.
      if slice[j] < demand[j] or lv[j] - slice[j] < lim[j] * keep then can = false end
    end
    if can then
      for j = 1, 3 do
        lv[j] = lv[j] - slice[j]
        s.own[j] = s.own[j] + slice[j]
      end
      s.ownTill = now + hold
      if s.ownTill > s.till then s.till = s.ownTill end
      lent = true
    else
      slice = {0, 0, 0}
    end
  end
  store(k, s, lent)
  for j = 1, 3 do out[#out + 1] = num(slice[j]) end
end
return out
`;

/**
 * KEYS: the buckets to settle. ARGV: what goes back (requests, input, output; negative takes), what of this
 * replica's loan is repaid (requests, input, output: no longer out; 0s for a reservation's settlement), its
 * loan-field prefix and generation, then per scope its limits and a 0. A repaid lease gives back its unspent part
 * and the loan in one call. A repayment reduces only this replica's own loan, never below zero: one that comes
 * after its loan stopped counting cannot cancel another replica's.
 */
export const SETTLE_SCRIPT = `${PRELUDE}
local back = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local repaid = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
for k = 1, #KEYS do
  local s = load(k)
  local lv, lim, lent, own = s.lv, s.lim, s.lent, s.own
  local changed = false
  for j = 1, 3 do
    local cut = math.min(repaid[j], own[j])
    if cut > 0 then
      own[j] = own[j] - cut
      lent[j] = lent[j] - cut
      changed = true
    end
    lv[j] = lv[j] + back[j]
    if lv[j] > lim[j] - lent[j] then lv[j] = lim[j] - lent[j] end
  end
  store(k, s, changed)
end
return 1
`;
