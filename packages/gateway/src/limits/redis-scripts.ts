// The Redis limiter's two Lua scripts. Redis runs a script atomically, so one script per admission checks and
// takes the demand on every scope (deployment and pool) with nothing in between, across all replicas. The clock
// is Redis's own (TIME), so replicas' clocks never disagree about refill. They repeat only math.ts's `refilled`
// and `fits` (test/limits-redis.test.ts runs both side by side); a refusal returns the levels, and math.ts
// computes which limit refused and the retry-after from them.
//
// A bucket is a hash {r, i, o, t} (requests, input, output, last refill in ms) that expires once it would have
// refilled to full: a missing key is a full bucket, so expiry never changes a decision.

/** Shared prelude: refill scope `k` (1-based) at `now` from KEYS[k] and its limits in ARGV. */
const PRELUDE = `
local MINUTE = 60000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local function refilled(level, elapsed, limit)
  if elapsed > 0 then level = level + elapsed * limit / MINUTE end
  if level > limit then return limit end
  return level
end
local function load(k, base)
  local lr, li, lo = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local h = redis.call('HMGET', KEYS[k], 'r', 'i', 'o', 't')
  if not h[1] then return {lr, li, lo}, {lr, li, lo} end
  local e = now - tonumber(h[4])
  return {refilled(tonumber(h[1]), e, lr), refilled(tonumber(h[2]), e, li), refilled(tonumber(h[3]), e, lo)}, {lr, li, lo}
end
local function store(k, lv, lim)
  local full = 0
  for j = 1, 3 do
    if lim[j] > 0 and lv[j] < lim[j] then
      local ms = (lim[j] - lv[j]) * MINUTE / lim[j]
      if ms > full then full = ms end
    end
  end
  redis.call('HSET', KEYS[k], 'r', string.format('%.17g', lv[1]), 'i', string.format('%.17g', lv[2]), 'o', string.format('%.17g', lv[3]), 't', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[k], math.ceil(full) + 1000)
end
`;

/**
 * KEYS: one bucket per scope. ARGV: the demand (requests, input, output), then each scope's rpm, itpm, otpm.
 * Returns {1} when taken from every scope; else {0, levels of each scope as strings} (Redis would truncate numbers).
 */
export const RESERVE_SCRIPT = `${PRELUDE}
local demand = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local levels, limits = {}, {}
local ok = true
for k = 1, #KEYS do
  local lv, lim = load(k, 3 + (k - 1) * 3)
  levels[k], limits[k] = lv, lim
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
    for j = 1, 3 do out[#out + 1] = string.format('%.17g', levels[k][j]) end
  end
  return out
end
for k = 1, #KEYS do
  local lv = levels[k]
  store(k, {lv[1] - demand[1], lv[2] - demand[2], lv[3] - demand[3]}, limits[k])
end
return {1}
`;

/** KEYS: the reservation's buckets. ARGV: what goes back (requests, input, output; negative takes), then each scope's limits. */
export const GIVE_SCRIPT = `${PRELUDE}
local back = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
for k = 1, #KEYS do
  local lv, lim = load(k, 3 + (k - 1) * 3)
  local next = {}
  for j = 1, 3 do
    next[j] = lv[j] + back[j]
    if next[j] > lim[j] then next[j] = lim[j] end
  end
  store(k, next, lim)
end
return 1
`;
