// The limiter replicas share: every bucket in Redis, each admission one atomic script over all of the request's
// scopes (redis-scripts.ts), so N replicas admit exactly what one process would. Settlements are one more script
// each, sent without waiting (the request is answered already).
//
// Leases, as `--workers` leases from its primary (primary.ts): while a bucket stays at least half full after it,
// an admission also lends this replica 1/64 of the scope's limits, taken out of the Redis bucket; requests the
// slices of all their scopes cover are then admitted here, synchronously, with no command at all, and settle into
// the slice. A slice half spent or half its life old is renewed in the background (a script that only lends), so
// under steady traffic no request waits. A slice goes back (its unspent part, in one script) when replaced, once
// it no longer covers a request, or at the expiry check after `leaseMs` (checked every `leaseMs`: within
// 2 × `leaseMs` of its coming). No slice smaller than one request is lent (RPM 30 lends nothing), and none while
// a bucket runs low, so there every admission is Redis's; nor for a `fail-closed` deployment's requests. What
// leases cost: a replica's unused slice is capacity another replica cannot have for at most 2 × `leaseMs` (at
// most 1/64 of the limit per other replica); never over-admission. Redis keeps each replica's loan apart, under
// its id (random, made here when the limiter is, once per process) and a generation (redis-scripts.ts): the slice
// of a replica that died stops counting after its own hold (`leaseMs` + 1 s), whatever the others borrow.
//
// While Redis is unreachable (not connected, or a command not answered within the timeout) no request waits for
// it: each deployment does what `limits.redisDown` says for it — `fail-closed` answers 503 saying the rate
// limiter is unreachable; `local` admits from in-process buckets holding limit/N (N = `limits.replicas`), so the
// replicas together stay near the limit; slices held are dropped (`drop`: they stop counting at this replica's
// next script on their bucket, or after their hold). Once Redis answers again, admissions are exact again (a
// restarted Redis starts with full buckets). Settlements of reservations made while it was away stay local.
import { GatewayError } from '../errors/index.ts';
import { newReplicaId } from '../ids/index.ts';
import { createMemoryLimiter } from './bucket.ts';
import type { Demand, Limiter, RateLimits, Rejection, Reservation, Scope } from './index.ts';
import { addTo, covers, isSpent, KEEP_SHARE, LEASE_SHARE, type Levels, LIMIT_NAMES, NONE, refusalOf, sameLimits, settlementOf, shareOf } from './math.ts';
import type { SharedRedis } from './redis-client.ts';
import { RESERVE_SCRIPT, SETTLE_SCRIPT } from './redis-scripts.ts';

export type RedisDownMode = 'fail-closed' | 'local';
export const REDIS_DOWN_MODES: readonly RedisDownMode[] = ['fail-closed', 'local'];

/** How long a replica spends a lease before it repays it, unless `limits.leaseMs` says otherwise. */
export const DEFAULT_LEASE_MS = 500;
/** How long past a lease's life Redis still counts it as out (a replica that died never repays it). */
const HOLD_GRACE_MS = 1000;

export interface RedisLimiterOptions {
  redis: SharedRedis;
  /** What the deployment of this scope key (`{resource}/{deployment}`, lower-case resource) does while Redis is away. */
  whenDown: (deploymentKey: string) => RedisDownMode;
  /** How many replicas share the limits: each one's share of a limit while Redis is away. */
  replicas: number;
  /** A lease is spent for at most this long, then repaid; 0 lends nothing (every admission a round trip). Default 500 ms. */
  leaseMs?: number;
}

/** The scripts, as ioredis defines them (EVALSHA, and EVAL again when a restarted Redis lost its script cache). */
interface Scripts {
  cfReserve(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<string[] | number[]>;
  cfSettle(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

interface Known {
  /** The bucket's Redis key. */
  key: string;
  /** `{resource}/{deployment}` without the `@instance`. */
  deployment: string;
  down: RedisDownMode;
  leases: boolean;
}

interface Lease {
  /** The bucket's Redis key. */
  key: string;
  limits: RateLimits;
  size: Levels;
  /** What may still be taken; settlements of reservations it funded come back here. */
  left: Levels;
  at: number;
  /** The generation of this replica's loans it was lent under. */
  generation: number;
}

export function createRedisLimiter(options: RedisLimiterOptions): Limiter {
  const { redis, replicas } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  redis.client.defineCommand('cfReserve', { lua: RESERVE_SCRIPT });
  redis.client.defineCommand('cfSettle', { lua: SETTLE_SCRIPT });
  const scripts = redis.client as unknown as Scripts;
  const local = createMemoryLimiter();
  const prefix = `${redis.keyPrefix}lim:`;
  /** Per scope key: its bucket in Redis, its deployment, what that does while Redis is away, and whether its requests may be funded by leases. */
  const known = new Map<string, Known>();
  const leases = new Map<string, Lease>();
  /** Buckets a reserve in flight asked a lease of: one ask at a time. */
  const asking = new Set<string>();
  /** This replica's loans in each bucket's hash are `l:{replica}:{generation}`; the generation moves on at every `drop`. */
  const owner = `l:${newReplicaId()}:`;
  let generation = 0;

  /**
   * Gives up every slice held, unrepaid, and lends under a new generation from then on. After a failed command
   * (or while Redis is away) the replica cannot know what its loan in Redis holds — a script that timed out may
   * still run, one sent before a reconnect even after later ones — only that it will spend none of it. So rather
   * than repay amounts it cannot know, it takes a fresh loan field: nothing lent later mixes with what was
   * dropped, its next script on each bucket deletes its older fields (replies to scripts sent before the drop are
   * not installed, so none of them is spent), and their deadline frees them should it not come back. Under the
   * same field, the dropped slices would count for as long as it kept borrowing.
   */
  function drop(): void {
    leases.clear();
    generation++;
  }

  /**
   * The scope's bucket in Redis: without the deployment's `@instance`, as replicas with stores of their own (the
   * config's seed in each) give one deployment different instances. A re-created deployment so meets its
   * predecessor's bucket, full within a minute. A `fail-closed` deployment's requests take no leases: each is
   * Redis's to decide, so none is admitted once Redis is gone, not even in the moment before this replica notices.
   * Cached: the request path builds no strings.
   */
  function scopeOf(scope: Scope): Known {
    let found = known.get(scope.key);
    if (found === undefined) {
      if (known.size >= 10_000) known.clear();
      const deployment = scope.key.replace(/@[^/]*$/, '');
      const down = options.whenDown(deployment);
      known.set(scope.key, (found = { key: prefix + deployment, deployment, down, leases: leaseMs > 0 && down !== 'fail-closed' }));
    }
    return found;
  }
  const keyOf = (scope: Scope) => scopeOf(scope).key;

  function args(keys: readonly string[], limits: readonly RateLimits[], head: readonly (string | number)[], flags?: readonly number[]): (string | number)[] {
    const out: (string | number)[] = [...keys, ...head];
    for (let i = 0; i < limits.length; i++) out.push(limits[i]!.rpm, limits[i]!.itpm, limits[i]!.otpm, flags?.[i] ?? 0);
    return out;
  }

  function settle(keys: readonly string[], limits: readonly RateLimits[], back: Levels, repaid: Levels, lentUnder = generation): void {
    const repaying = !isSpent(repaid);
    // Unsent or failed, the bucket keeps what was reserved or lent (the safe side); an unrepaid slice is dropped.
    if (!redis.ready()) return void (repaying && drop());
    const head = [back.requests, back.input, back.output, repaid.requests, repaid.input, repaid.output, owner, lentUnder];
    scripts.cfSettle(keys.length, ...args(keys, limits, head)).catch((err: unknown) => {
      redis.failed(err);
      if (repaying) drop();
    });
  }

  function repay(lease: Lease): void {
    if (leases.get(lease.key) === lease) leases.delete(lease.key);
    settle([lease.key], [lease.limits], lease.left, lease.size, lease.generation);
  }

  /** Settles `amounts` of a reservation: into the leases that funded it while they are held, else to Redis. */
  function giveBack(scopes: readonly Scope[], funded: readonly Lease[] | undefined, amounts: Levels): void {
    const keys: string[] = [];
    const limits: RateLimits[] = [];
    for (let i = 0; i < scopes.length; i++) {
      const lease = funded?.[i];
      if (lease && leases.get(lease.key) === lease) addTo(lease.left, amounts);
      else {
        keys.push(keyOf(scopes[i]!));
        limits.push(scopes[i]!.limits);
      }
    }
    if (keys.length > 0) settle(keys, limits, amounts, NONE);
  }

  /** The leases that cover `demand` on every scope, or undefined. */
  function leased(scopes: readonly Scope[], demand: Demand, now: number): Lease[] | undefined {
    if (leases.size === 0 || !scopeOf(scopes[0]!).leases) return undefined;
    const funded: Lease[] = [];
    for (const scope of scopes) {
      const lease = leases.get(keyOf(scope));
      if (!lease || now - lease.at >= leaseMs || !sameLimits(lease.limits, scope.limits) || !covers(lease.left, demand)) return undefined;
      funded.push(lease);
    }
    return funded;
  }

  // Old leases go back even without traffic, so their unspent part returns to the bucket.
  const expiry = leaseMs > 0 ? setInterval(() => {
    const now = performance.now();
    for (const lease of leases.values()) if (now - lease.at >= leaseMs) repay(lease);
  }, leaseMs) : undefined;
  expiry?.unref();

  function withoutRedis(scopes: readonly Scope[], demand: Demand): Reservation | Rejection {
    const { deployment, down } = scopeOf(scopes[0]!);
    if (down === 'fail-closed') {
      throw new GatewayError(
        'rate_limiter_unavailable',
        `The rate limiter is unreachable (Redis does not answer), so requests to deployment '${deployment.slice(deployment.indexOf('/') + 1)}' are refused rather than admitted unmetered. Retry shortly; an operator can set limits.redisDown to "local" to admit from per-replica limits meanwhile.`,
        { 'retry-after': '1' },
      );
    }
    return local.reserve(scopes.map((s) => ({ key: s.key, limits: shareOf(s.limits, replicas) })), demand);
  }

  const reserveArgs = (keys: readonly string[], limits: readonly RateLimits[], demand: Demand, wants: readonly number[]) =>
    args(keys, limits, [demand.requests, demand.input, demand.output, leaseMs > 0 ? LEASE_SHARE : 0, KEEP_SHARE, leaseMs + HOLD_GRACE_MS, owner, generation], wants);

  /**
   * The slices an admission's reply lent, in place of those held (repaid: their unspent part goes back). None
   * when the reserve was sent before a `drop`: they are in a loan field this replica has given up.
   */
  function install(reply: string[] | number[], keys: readonly string[], limits: readonly RateLimits[], wants: readonly number[], lentUnder: number): void {
    if (lentUnder !== generation) return;
    const at = performance.now();
    for (let i = 0; i < keys.length; i++) {
      const size = { requests: Number(reply[1 + i * 3]), input: Number(reply[2 + i * 3]), output: Number(reply[3 + i * 3]) };
      if (!wants[i] || isSpent(size)) continue;
      const held = leases.get(keys[i]!);
      if (held) repay(held);
      leases.set(keys[i]!, { key: keys[i]!, limits: limits[i]!, size, left: { ...size }, at, generation });
    }
  }

  /**
   * Asks, without waiting, fresh slices for the funded scopes whose slice is half its life old or half spent, so
   * that under steady traffic a slice is replaced before it runs out and no request waits for one. Demand 0:
   * the script only lends (if the bucket is still plentiful).
   */
  function renew(scopes: readonly Scope[], funded: readonly Lease[], now: number): void {
    let keys: string[] | undefined;
    let limits: RateLimits[] | undefined;
    for (let i = 0; i < funded.length; i++) {
      const lease = funded[i]!;
      if (asking.has(lease.key) || (now - lease.at < leaseMs / 2 && lease.left.requests * 2 >= lease.size.requests && lease.left.input * 2 >= lease.size.input && lease.left.output * 2 >= lease.size.output)) continue;
      asking.add(lease.key);
      (keys ??= []).push(lease.key);
      (limits ??= []).push(scopes[i]!.limits);
    }
    if (!keys || !limits) return;
    const wants = keys.map(() => 1);
    const lentUnder = generation;
    scripts
      .cfReserve(keys.length, ...reserveArgs(keys, limits, NONE, wants))
      .then(
        (reply) => void (Number(reply[0]) === 1 && install(reply, keys, limits, wants, lentUnder)),
        (err: unknown) => {
          redis.failed(err);
          drop();
        },
      )
      .finally(() => keys.forEach((key) => asking.delete(key)));
  }

  async function ask(scopes: readonly Scope[], demand: Demand, keys: string[], now: number): Promise<Reservation | Rejection> {
    const limits = scopes.map((s) => s.limits);
    // The deployment (the first scope) says whether its requests lease; the pool's slice then serves them too.
    const leasing = scopeOf(scopes[0]!).leases;
    // A slice too spent to cover the request (or lent under other limits) goes back first, in the same pipeline,
    // so Redis decides on the whole bucket and may lend a fresh one. One that no slice could cover stays.
    const wants = keys.map((key, i) => {
      const held = leases.get(key);
      if (held && (now - held.at >= leaseMs || !sameLimits(held.limits, limits[i]!) || (!covers(held.left, demand) && covers(held.size, demand)))) repay(held);
      if (!leasing || leases.has(key) || asking.has(key)) return 0;
      asking.add(key);
      return 1;
    });
    let reply: string[] | number[];
    const lentUnder = generation;
    try {
      reply = await scripts.cfReserve(keys.length, ...reserveArgs(keys, limits, demand, wants));
    } catch (err) {
      redis.failed(err);
      drop();
      return withoutRedis(scopes, demand);
    } finally {
      for (let i = 0; i < keys.length; i++) if (wants[i]) asking.delete(keys[i]!);
    }
    if (Number(reply[0]) === 1) {
      install(reply, keys, limits, wants, lentUnder);
      return settlementOf(demand, (amounts) => giveBack(scopes, undefined, amounts));
    }
    let refusal: Rejection | undefined;
    for (let i = 0; i < scopes.length; i++) {
      const at = 1 + i * 3;
      const levels = Object.fromEntries(LIMIT_NAMES.map((name, j) => [name, Number(reply[at + j])])) as Levels;
      refusal = refusalOf(levels, scopes[i]!.limits, demand, i, refusal);
    }
    // The script and math.ts agree on what fits; should rounding ever differ, the shortest honest answer is "now".
    return refusal ?? { ok: false, limit: 'requests', scope: 0, retryAfterMs: 1 };
  }

  return {
    reserve(scopes: readonly Scope[], demand: Demand): Reservation | Promise<Reservation | Rejection> {
      // Slices are spent only while Redis is there: away, every deployment does what `redisDown` says, and the
      // slices held are dropped (they cannot be repaid: `drop` says when they stop counting).
      if (!redis.ready()) {
        if (leases.size > 0) drop();
        return Promise.resolve().then(() => withoutRedis(scopes, demand));
      }
      const now = performance.now();
      const funded = leased(scopes, demand, now);
      if (funded) {
        for (const lease of funded) addTo(lease.left, demand, -1);
        renew(scopes, funded, now);
        return settlementOf(demand, (amounts) => giveBack(scopes, funded, amounts));
      }
      return ask(scopes, demand, scopes.map(keyOf), now);
    },
    ping: () => redis.ping(),
    // The connection is the gateway's (budgets use it too): it closes it, after the leases' repayments.
    close() {
      if (expiry) clearInterval(expiry);
      for (const lease of leases.values()) repay(lease);
      return Promise.resolve();
    },
  };
}
