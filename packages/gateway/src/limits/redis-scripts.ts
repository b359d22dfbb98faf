// The Redis limiter's two Lua scripts. Redis runs a script atomically, so one script per admission checks and
// takes the demand on every scope (deployment and pool) with nothing in between, across all replicas. The clock
// is Redis's own (TIME), so replicas' clocks never disagree about refill. They repeat only math.ts's `refilled`
// and `fits` (test/limits-redis.test.ts runs both side by side); a refusal returns the levels, and math.ts
// computes which limit refused and the retry-after from them.
//
// A bucket is a hash {r, i, o, t} (requests, input, output, last refill in ms) that expires once it would have
// refilled to full: a missing key is a full bucket, so expiry never changes a decision.
//
// Leases (redis.ts): an admission may also lend the replica a slice of the bucket, which the replica then spends
// without a round trip. What is out on loan is in the same hash, {a, b, c} (requests, input, output) until `d`:
// taken from the levels when lent, and until repaid the bucket refills only up to its limit less the loans, so
// what every replica can admit is still what one bucket holds. A loan nobody repaid by `d` (its replica died) is
// forgotten then: `d` is past the lease's life, after which no replica spends it. The loans are one sum with one
// deadline, which every lend moves on: while replicas keep borrowing, an unrepaid slice stays counted.

/** Shared prelude: the clock, refill, and loading and storing scope `k` (1-based) from KEYS[k] and its limits in ARGV. */
const PRELUDE = `
local MINUTE = 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function refilled(level, elapsed, limit, cap)
  if elapsed > 0 then level = level + elapsed * limit / MINUTE end
  if level > cap then return cap end
  return level
end
-- ARGV: 6 header values, then 4 per scope: rpm, itpm, otpm and a flag the reserve script reads.
local function load(k)
  local base = 6 + (k - 1) * 4
  local lim = {tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])}
  local h = redis.call('HMGET', KEYS[k], 'r', 'i', 'o', 't', 'a', 'b', 'c', 'd')
  local lent, till = {0, 0, 0}, 0
  if h[8] and tonumber(h[8]) > now then
    lent, till = {tonumber(h[5]), tonumber(h[6]), tonumber(h[7])}, tonumber(h[8])
  end
  if not h[1] then return {lim[1], lim[2], lim[3]}, lim, lent, till end
  local e = now - tonumber(h[4])
  local lv = {}
  for j = 1, 3 do lv[j] = refilled(tonumber(h[j]), e, lim[j], lim[j] - lent[j]) end
  return lv, lim, lent, till
end
local function num(x) return string.format('%.17g', x) end
local function store(k, lv, lim, lent, till)
  local full = 0
  for j = 1, 3 do
    if lim[j] > 0 and lv[j] < lim[j] then
      local ms = (lim[j] - lv[j]) * MINUTE / lim[j]
      if ms > full then full = ms end
    end
  end
  if till - now > full then full = till - now end
  redis.call('HSET', KEYS[k], 'r', num(lv[1]), 'i', num(lv[2]), 'o', num(lv[3]), 't', num(now), 'a', num(lent[1]), 'b', num(lent[2]), 'c', num(lent[3]), 'd', num(till))
  redis.call('PEXPIRE', KEYS[k], math.ceil(full) + 1000)
end
`;

/**
 * KEYS: one bucket per scope. ARGV: the demand (requests, input, output), the lease share of each limit (0: lend
 * nothing), the share of each limit a bucket keeps after lending, how long Redis holds a loan (ms); then per
 * scope its rpm, itpm, otpm and 1 if this replica wants a lease of it (0 if not).
 * Returns {1, then per scope the lease lent (requests, input, output; 0s for none)} when the demand was taken from
 * every scope; else {0, levels of each scope}. Numbers as strings (Redis would truncate them to integers).
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local demand = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local share, keep, hold = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local scopes = {}
local ok = true
for k = 1, #KEYS do
  local lv, lim, lent, till = load(k)
  scopes[k] = {lv, lim, lent, till}
  for j = 1, 3 do
    local need = demand[j]
    if lim[j] == 0 then
      if need > 0 then ok = false end
    else
      if need > lim[j] then need = lim[j] end
      if lv[j] < need then ok = false end
    end
  end
end
if not ok then
  local out = {0}
  for k = 1, #KEYS do
    for j = 1, 3 do out[#out + 1] = num(scopes[k][1][j]) end
  end
  return out
end
local out = {1}
for k = 1, #KEYS do
  local lv, lim, lent, till = scopes[k][1], scopes[k][2], scopes[k][3], scopes[k][4]
  for j = 1, 3 do lv[j] = lv[j] - demand[j] end
  local slice = {0, 0, 0}
  if share > 0 and ARGV[6 + k * 4] == '1' then
    local can = true
    for j = 1, 3 do
      slice[j] = lim[j] * share
      -- A slice that cannot cover even this request is not worth a lease; none while the bucket runs low.
      if slice[j] < demand[j] or lv[j] - slice[j] < lim[j] * keep then can = false end
    end
    if can then
      for j = 1, 3 do
        lv[j] = lv[j] - slice[j]
        lent[j] = lent[j] + slice[j]
      end
      till = now + hold
    else
      slice = {0, 0, 0}
    end
  end
  store(k, lv, lim, lent, till)
  for j = 1, 3 do out[#out + 1] = num(slice[j]) end
end
return out
`;

/**
 * KEYS: the buckets to settle. ARGV: what goes back (requests, input, output; negative takes), what of a loan is
 * repaid (requests, input, output: no longer out; 0s for a reservation's settlement), then per scope its limits
 * and a 0. A repaid lease gives back its unspent part and the loan in one call.
 */
export const SETTLE_SCRIPT = `${PRELUDE}
local back = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local repaid = {tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])}
for k = 1, #KEYS do
  local lv, lim, lent, till = load(k)
  local out = 0
  for j = 1, 3 do
    lent[j] = lent[j] - repaid[j]
    if lent[j] < 0 then lent[j] = 0 end
    if lent[j] > 0 then out = 1 end
    lv[j] = lv[j] + back[j]
    if lv[j] > lim[j] - lent[j] then lv[j] = lim[j] - lent[j] end
  end
  if out == 0 then till = 0 end
  store(k, lv, lim, lent, till)
end
return 1
`;
