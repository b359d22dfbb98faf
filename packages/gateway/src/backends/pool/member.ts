// One upstream of a pool and what the pool knows of its health: a `retry-after` it was told to honour
// (out of rotation until then) and a circuit breaker (failure ratio over a sliding window of buckets;
// open for `openMs`, then half-open: one probe decides). Counters feed /metrics.
import type { BreakerSettings, PoolMemberSettings } from '../../control/types.ts';

export type MemberState = 'healthy' | 'resting' | 'open' | 'half-open';

/** The window is kept as this many buckets, so memory stays constant whatever the traffic. */
const BUCKETS = 10;

export class PoolMember {
  settings: PoolMemberSettings;
  /** Mixed into the affinity hash: a member's scores depend only on its name, not on its place in the list. */
  readonly seed: number;
  inFlight = 0;
  served = 0;
  failures = 0;
  throttled = 0;
  /** Requests that passed it by because its own budget was spent. */
  skipped = 0;
  /** When its own budget last refused a request, when that request would have fit (clock ms): for `deployment show` and the pool's 429. */
  budgetUntil = 0;
  #breaker: BreakerSettings;
  readonly #ok: number[] = Array.from({ length: BUCKETS }, () => 0);
  readonly #failed: number[] = Array.from({ length: BUCKETS }, () => 0);
  #bucketAt = 0;
  #coolUntil = 0;
  #openedAt: number | undefined;
  #probing = false;

  constructor(settings: PoolMemberSettings, breaker: BreakerSettings, seed: number) {
    this.settings = settings;
    this.#breaker = breaker;
    this.seed = seed;
  }

  get name(): string {
    return this.settings.name;
  }

  /** The same upstream under new settings (a weight, a budget or credentials changed): its health and counters carry over. */
  reconfigure(settings: PoolMemberSettings, breaker: BreakerSettings): void {
    this.settings = settings;
    this.#breaker = breaker;
  }

  /** Whether `settings` name the same upstream (backend, address and model): then its health is this member's. */
  sameUpstream(settings: PoolMemberSettings): boolean {
    const mine = this.settings;
    return mine.name === settings.name && mine.backend === settings.backend && mine.upstream.baseUrl === settings.upstream.baseUrl && mine.upstream.model === settings.upstream.model;
  }

  /** When the open breaker lets a probe through, or when its rest ends (clock ms); 0 when healthy. */
  until(now: number): number {
    if (this.#openedAt !== undefined) return this.#openedAt + this.#breaker.openMs;
    return this.#coolUntil > now ? this.#coolUntil : 0;
  }

  state(now: number): MemberState {
    if (this.#openedAt !== undefined) return now - this.#openedAt < this.#breaker.openMs ? 'open' : 'half-open';
    return now < this.#coolUntil ? 'resting' : 'healthy';
  }

  /** Whether a request may go to it now: healthy, or half-open with no probe under way. */
  available(now: number): boolean {
    const state = this.state(now);
    return state === 'healthy' || (state === 'half-open' && !this.#probing && now >= this.#coolUntil);
  }

  /** A request is sent to it: in half-open state, that request is the probe. */
  begin(now: number): void {
    if (this.state(now) === 'half-open') this.#probing = true;
  }

  /** The request ended without a verdict on the member (the client left): a probe may be sent again. */
  abandon(): void {
    this.#probing = false;
  }

  succeeded(now: number): void {
    this.#count(now, true);
    if (this.#openedAt !== undefined) {
      // The probe got through: closed again, with a clean window.
      this.#openedAt = undefined;
      this.#probing = false;
      this.#ok.fill(0);
      this.#failed.fill(0);
    }
  }

  failed(now: number): void {
    this.failures++;
    this.#count(now, false);
    if (this.#openedAt !== undefined) {
      this.#openedAt = now; // the probe failed: open for another period
      this.#probing = false;
      return;
    }
    const failed = this.#failed.reduce((a, b) => a + b, 0);
    const total = failed + this.#ok.reduce((a, b) => a + b, 0);
    if (total >= this.#breaker.minRequests && failed / total >= this.#breaker.failureRatio) this.#openedAt = now;
  }

  /** The upstream asked for `ms` of rest (`retry-after`): out of rotation until then. */
  coolFor(ms: number, now: number): void {
    this.throttled++;
    this.#coolUntil = Math.max(this.#coolUntil, now + ms);
  }

  /** How long until it takes requests again (0 when it does now). */
  waitMs(now: number): number {
    const cooling = Math.max(0, this.#coolUntil - now);
    const open = this.#openedAt === undefined ? 0 : Math.max(0, this.#openedAt + this.#breaker.openMs - now);
    return Math.max(cooling, open);
  }

  /** Rolls the window forward to `now`, then counts one outcome. */
  #count(now: number, ok: boolean): void {
    const width = this.#breaker.windowMs / BUCKETS;
    const bucket = Math.floor(now / width);
    const steps = Math.min(BUCKETS, bucket - this.#bucketAt);
    for (let i = 1; i <= steps; i++) {
      const at = (this.#bucketAt + i) % BUCKETS;
      this.#ok[at] = 0;
      this.#failed[at] = 0;
    }
    if (steps > 0) this.#bucketAt = bucket;
    (ok ? this.#ok : this.#failed)[bucket % BUCKETS]!++;
  }
}
