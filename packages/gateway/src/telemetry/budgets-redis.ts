// Budgets shared by replicas through Redis: one month-to-date spend counter per resource instance, the budget
// definitions in one hash with a version counter, and one claim per threshold alert. A replica adds up its priced requests' costs
// and sends the sums every 100 ms (one INCRBY per resource with spend, in one pipeline; the counter's expiry set
// once per month and counter), so the request path sends no command at all. Each replica polls every `pollMs`
// (one round trip: the version and the counters), so a budget set or an amount reached on one replica is enforced
// on every other within that bound plus the 100 ms: with `--enforce`, the overshoot past a budget is at most what
// the replicas spend in about `pollMs` + 100 ms. The book keeps deciding from its in-memory figure, which the
// counter's replies and the poll keep current, and which counts this replica's own spend at once.
//
// While Redis is away, spend and budget changes are kept and sent once it is back; a Redis that lost its data
// (restarted) is seeded again from what each replica knows (SET NX: the first one's figure).
import type { SharedRedis } from '../limits/redis-client.ts';
import { logger } from '../log/index.ts';
import type { BudgetBook, BudgetSharing } from './budgets.ts';
import type { Budget } from './log-store.ts';

export interface SharedBudgets {
  close(): void;
}

/** Counters and claims outlive their month by a few days, then Redis drops them. */
const MONTH_TTL_MS = 40 * 86_400_000;
/** A replica sends the spend it added up at most this often. */
const SEND_SPEND_MS = 100;

interface StoredBudget {
  instance: string;
  resource: string;
  amountPico: string;
  thresholds: number[];
  enforce: boolean;
  updatedAt: number;
}

function decode(json: string): Budget | undefined {
  try {
    const b = JSON.parse(json) as StoredBudget;
    // Written before budgets had an instance: it belongs to no account that exists now.
    if (typeof b.instance !== 'string') return undefined;
    return { instance: b.instance, resource: b.resource, amountPico: BigInt(b.amountPico), thresholds: b.thresholds, enforce: b.enforce, updatedAt: b.updatedAt };
  } catch {
    return undefined;
  }
}

const encode = (b: Budget) => JSON.stringify({ instance: b.instance, resource: b.resource, amountPico: b.amountPico.toString(), thresholds: b.thresholds, enforce: b.enforce, updatedAt: b.updatedAt } satisfies StoredBudget);

export async function shareBudgets(book: BudgetBook, redis: SharedRedis, options: { pollMs?: number; resources?: string[] } = {}): Promise<SharedBudgets> {
  const { client } = redis;
  const p = redis.keyPrefix;
  const pollMs = options.pollMs ?? 500;
  const budgetsKey = `${p}budgets`;
  const versionKey = `${p}budgets:version`;
  // Per instance (control/names.ts accountInstance), not per name: an account created again under a deleted
  // account's name starts from 0, whatever the old one spent this month.
  const spendKey = (month: string, instance: string) => `${p}spend:${month}:${instance.toLowerCase()}`;
  /** Spend not yet counted in Redis (it was away), per resource, for the month it was spent in. */
  const pending = new Map<string, { month: string; pico: bigint }>();
  /** Spend added up since the last send, per month and resource. */
  let unsentSpend = new Map<string, { month: string; resource: string; pico: bigint }>();
  /** Counters whose expiry this replica has set since it (re)connected. */
  const expiring = new Set<string>();
  /** Budgets changed while Redis was away: sent when it is back. */
  const unsent = new Map<string, Budget | undefined>();
  const known = new Set((options.resources ?? []).map((r) => r.toLowerCase()));
  let version: string | null | undefined;
  let closed = false;

  const sharing: BudgetSharing = {
    added(resource, month, pico) {
      const key = resource.toLowerCase();
      const sumKey = `${month.key} ${key}`;
      const sum = unsentSpend.get(sumKey);
      if (sum) sum.pico += pico;
      else {
        known.add(key);
        unsentSpend.set(sumKey, { month: month.key, resource: key, pico });
      }
    },
    changed(resource, budget) {
      const key = resource.toLowerCase();
      if (!redis.ready()) return void unsent.set(key, budget);
      send(key, budget).catch((err: unknown) => {
        redis.failed(err);
        unsent.set(key, budget);
      });
    },
    async claimAlert(resource, month, threshold) {
      if (!redis.ready()) return true; // recorded twice rather than lost
      const claimed = await client.set(`${p}alert:${month.key}:${resource.toLowerCase()}:${threshold}`, '1', 'PX', MONTH_TTL_MS, 'NX').catch(() => 'OK');
      return claimed === 'OK';
    },
  };

  /** Redis's total for a counter, plus what this replica spent since its last send: its own spend counts at once. */
  function counted(resource: string, month: string, total: bigint): void {
    book.sharedSpent(resource, month, total + (unsentSpend.get(`${month} ${resource}`)?.pico ?? 0n));
  }

  /** Sends the spend added up since the last send: one pipeline, an INCRBY per counter (and its expiry, once). */
  function sendSpend(): void {
    if (unsentSpend.size === 0) return;
    const sums = [...unsentSpend.values()];
    unsentSpend = new Map();
    if (!redis.ready()) return void sums.forEach((s) => keep(s.resource, s.month, s.pico));
    const tx = client.pipeline();
    const withExpiry = sums.map((s) => {
      const counter = spendKey(s.month, s.resource);
      tx.incrby(counter, s.pico.toString());
      if (expiring.has(counter)) return false;
      expiring.add(counter);
      tx.pexpire(counter, MONTH_TTL_MS);
      return true;
    });
    tx.exec().then(
      (replies) => {
        let at = 0;
        sums.forEach((s, i) => {
          const [err, total] = replies?.[at] ?? [new Error('no reply')];
          at += withExpiry[i] ? 2 : 1;
          if (err) {
            redis.failed(err);
            keep(s.resource, s.month, s.pico);
          } else counted(s.resource, s.month, BigInt(total as number));
        });
      },
      (err: unknown) => {
        redis.failed(err);
        for (const s of sums) {
          expiring.delete(spendKey(s.month, s.resource));
          keep(s.resource, s.month, s.pico);
        }
      },
    );
  }

  function keep(key: string, month: string, pico: bigint): void {
    const was = pending.get(key);
    pending.set(key, { month, pico: (was && was.month === month ? was.pico : 0n) + pico });
  }

  async function send(key: string, budget: Budget | undefined): Promise<void> {
    const tx = client.multi();
    if (budget) tx.hset(budgetsKey, key, encode(budget));
    else tx.hdel(budgetsKey, key);
    await tx.incr(versionKey).exec();
  }

  /** After a (re)connection: the counters a restarted Redis lost are seeded, then what waited is sent. */
  async function resync(): Promise<void> {
    expiring.clear();
    const month = book.month;
    for (const [key] of book.spentByResource()) {
      // The seed is what Redis had counted as this replica last heard, without its own spend not sent yet (waiting
      // from while Redis was away, or summed since the last send): that goes as INCRBY after the seed, like any send,
      // so whether this replica seeds the counter or another one did, its own spend is counted once. Read at one
      // instant with the SET sent (no await between): a sum taken later is not in the seed.
      const lower = key.toLowerCase();
      const waiting = pending.get(lower);
      pending.delete(lower);
      const owed = (waiting?.month === month.key ? waiting.pico : 0n) + (unsentSpend.get(`${month.key} ${lower}`)?.pico ?? 0n);
      const seed = book.spent(key) - owed;
      try {
        await client.set(spendKey(month.key, key), (seed > 0n ? seed : 0n).toString(), 'PX', MONTH_TTL_MS, 'NX');
        if (waiting && waiting.month === month.key) await client.incrby(spendKey(month.key, key), waiting.pico.toString());
      } catch (err) {
        // Still owed: kept for the next connection's resync (a failed INCRBY may have run; a spend counted twice
        // is the side a budget errs on, as for any send whose reply was lost).
        if (waiting && waiting.month === month.key) keep(lower, waiting.month, waiting.pico);
        throw err;
      }
    }
    // Budgets kept by resource name (before instances) belong to no instance: the first replica that keys them by
    // instance drops those and gives Redis its own, which it loaded from the request log.
    const byName = (await client.set(`${p}budgets:by-instance`, '1', 'NX')) === 'OK';
    if (byName || (await client.exists(versionKey)) === 0) {
      // A new (or emptied) Redis learns this replica's budgets; others add theirs, the first one's kept on a clash.
      const tx = client.multi();
      if (byName) for (const [field, json] of Object.entries(await client.hgetall(budgetsKey))) if (!decode(json)) tx.hdel(budgetsKey, field);
      for (const b of book.list()) tx.hsetnx(budgetsKey, b.instance, encode(b));
      await tx.incr(versionKey).exec();
    }
    for (const [key, budget] of unsent) await send(key, budget);
    unsent.clear();
    version = undefined;
  }

  async function poll(): Promise<void> {
    if (!redis.ready()) return;
    const month = book.month.key;
    const resources = [...new Set([...known, ...book.list().map((b) => b.instance)])];
    const tx = client.pipeline().get(versionKey);
    if (resources.length > 0) tx.mget(resources.map((r) => spendKey(month, r)));
    const replies = (await tx.exec()) ?? [];
    const [versionReply, spendReply] = replies;
    if (versionReply?.[0] || spendReply?.[0]) throw versionReply?.[0] ?? spendReply?.[0];
    const totals = (spendReply?.[1] ?? []) as (string | null)[];
    resources.forEach((r, i) => {
      if (totals[i] != null) counted(r, month, BigInt(totals[i]!));
    });
    const now = versionReply?.[1] as string | null;
    if (now !== version) {
      const all = await client.hgetall(budgetsKey);
      book.replaceBudgets(Object.values(all).flatMap((json) => decode(json) ?? []));
      version = now;
    }
  }

  let syncing: Promise<void> = Promise.resolve();
  const onReady = () => {
    syncing = syncing.then(resync).catch((err: unknown) => {
      redis.failed(err);
      logger().warn({ err: (err as Error).message }, 'budgets not synchronized with Redis; retried on its next connection');
    });
  };
  client.on('ready', onReady);
  book.share(sharing);
  if (redis.ready()) {
    onReady();
    await syncing;
    await poll().catch((err: unknown) => redis.failed(err));
  }
  let polling = false;
  const timer = setInterval(() => {
    if (polling || closed) return;
    polling = true;
    syncing
      .then(poll)
      .catch((err: unknown) => redis.failed(err))
      .finally(() => (polling = false));
  }, pollMs);
  timer.unref();
  const spendTimer = setInterval(sendSpend, SEND_SPEND_MS);
  spendTimer.unref();
  return {
    close() {
      closed = true;
      clearInterval(timer);
      clearInterval(spendTimer);
      sendSpend();
      client.off('ready', onReady);
    },
  };
}

