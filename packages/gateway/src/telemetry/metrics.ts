// A small Prometheus registry: counters, gauges read at scrape time, and histograms, written out in the
// text exposition format (version 0.0.4). Each metric caps its label sets: past `maxSeries`, new
// label values are counted under `other`, so no caller can grow the series without bound.

type Labels = readonly string[];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(names: Labels, values: Labels, extra?: string): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function sample(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

abstract class Family<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: Labels;
  readonly #series = new Map<string, { values: Labels; state: S }>();
  readonly #maxSeries: number;

  constructor(name: string, help: string, labelNames: Labels, maxSeries: number) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    this.#maxSeries = maxSeries;
  }

  protected abstract fresh(): S;

  /** The state of one label set, to update it again without looking it up (see gateway-metrics.ts). */
  bind(values: Labels): S {
    return this.series(values);
  }

  protected series(values: Labels): S {
    let key = values.join('\u0000');
    let found = this.#series.get(key);
    if (!found && this.#series.size >= this.#maxSeries) {
      // Past the cap every new label set shares one series; it alone may exceed the cap.
      values = this.labelNames.map(() => 'other');
      key = values.join('\u0000');
      found = this.#series.get(key);
    }
    if (!found) {
      found = { values: [...values], state: this.fresh() };
      this.#series.set(key, found);
    }
    return found.state;
  }

  protected entries(): Iterable<{ values: Labels; state: S }> {
    return this.#series.values();
  }

  /** Removes the series whose labels have these values (a deleted deployment's); none when a name is not a label here. */
  forget(match: Readonly<Record<string, string>>): void {
    const wanted = Object.entries(match).map(([name, value]) => [this.labelNames.indexOf(name), value] as const);
    if (wanted.some(([i]) => i === -1)) return;
    for (const [key, { values }] of this.#series) if (wanted.every(([i, value]) => values[i] === value)) this.#series.delete(key);
  }

  abstract render(): string;
}

export class Counter extends Family<{ value: number }> {
  protected fresh() {
    return { value: 0 };
  }

  inc(values: Labels, by = 1): void {
    this.series(values).value += by;
  }

  static add(state: { value: number }, by = 1): void {
    state.value += by;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const { values, state } of this.entries()) out += `${this.name}${labelText(this.labelNames, values)} ${sample(state.value)}\n`;
    return out;
  }
}

export class Histogram extends Family<{ counts: number[]; sum: number; count: number }> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: Labels, maxSeries: number, buckets: readonly number[]) {
    super(name, help, labelNames, maxSeries);
    this.buckets = buckets;
  }

  protected fresh() {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(values: Labels, value: number): void {
    this.record(this.series(values), value);
  }

  /** Adds an observation to a bound series (`bind`). */
  record(s: { counts: number[]; sum: number; count: number }, value: number): void {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += value;
    s.count++;
  }

  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const { values, state } of this.entries()) {
      let cumulative = 0;
      this.buckets.forEach((upper, i) => {
        cumulative += state.counts[i]!;
        out += `${this.name}_bucket${labelText(this.labelNames, values, `le="${sample(upper)}"`)} ${cumulative}\n`;
      });
      out += `${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${state.count}\n`;
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${sample(state.sum)}\n`;
      out += `${this.name}_count${labelText(this.labelNames, values)} ${state.count}\n`;
    }
    return out;
  }
}

/** A value read when scraped (queue depth), or a counter kept elsewhere (records dropped). */
export class Observed {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly read: () => number;

  constructor(name: string, help: string, type: 'gauge' | 'counter', read: () => number) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.read = read;
  }

  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.name} ${sample(this.read())}\n`;
  }
}

/** Labelled values read when scraped (a pool member's in-flight requests, its counters). */
export class ObservedFamily {
  readonly #name: string;
  readonly #help: string;
  readonly #type: 'gauge' | 'counter';
  readonly #labelNames: Labels;
  readonly #read: () => Iterable<readonly [Labels, number]>;

  constructor(name: string, help: string, type: 'gauge' | 'counter', labelNames: Labels, read: () => Iterable<readonly [Labels, number]>) {
    this.#name = name;
    this.#help = help;
    this.#type = type;
    this.#labelNames = labelNames;
    this.#read = read;
  }

  render(): string {
    let out = '';
    for (const [values, value] of this.#read()) out += `${this.#name}${labelText(this.#labelNames, values)} ${sample(value)}\n`;
    return out === '' ? '' : `# HELP ${this.#name} ${this.#help}\n# TYPE ${this.#name} ${this.#type}\n${out}`;
  }
}

export class Registry {
  readonly #metrics: Array<{ render(): string }> = [];
  readonly #families: Array<Family<unknown>> = [];
  readonly maxSeries: number;

  constructor(maxSeries: number) {
    this.maxSeries = maxSeries;
  }

  counter(name: string, help: string, labels: Labels): Counter {
    return this.#family(new Counter(name, help, labels, this.maxSeries));
  }

  histogram(name: string, help: string, labels: Labels, buckets: readonly number[]): Histogram {
    return this.#family(new Histogram(name, help, labels, this.maxSeries, buckets));
  }

  /** Removes, from every counter and histogram that has all these labels, the series with these values. */
  forget(match: Readonly<Record<string, string>>): void {
    for (const family of this.#families) family.forget(match);
  }

  #family<F extends Family<unknown>>(family: F): F {
    this.#families.push(family);
    return this.#add(family);
  }

  observed(name: string, help: string, type: 'gauge' | 'counter', read: () => number): Observed {
    return this.#add(new Observed(name, help, type, read));
  }

  observedFamily(name: string, help: string, type: 'gauge' | 'counter', labels: Labels, read: () => Iterable<readonly [Labels, number]>): ObservedFamily {
    return this.#add(new ObservedFamily(name, help, type, labels, read));
  }

  #add<M extends { render(): string }>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }

  /** The text exposition format. */
  render(): string {
    return this.#metrics.map((m) => m.render()).join('');
  }
}
