/**
 * Prometheus text exposition (version 0.0.4) without a dependency: counters, gauges (set or
 * computed at scrape time) and histograms with labels, and process memory gauges. Used by the
 * watcher and the agent.
 */

type Labels = Record<string, string>;

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

function labelText(labels: Labels, extra?: Labels): string {
  const all = { ...labels, ...extra };
  const keys = Object.keys(all).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(all[k]!)}"`).join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

export class Counter implements Family {
  readonly type = 'counter';
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = keyOf(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  get(labels: Labels = {}): number {
    return this.values.get(keyOf(labels))?.value ?? 0;
  }
  render(): string[] {
    return [...this.values.values()].map((e) => `${this.name}${labelText(e.labels)} ${number(e.value)}`);
  }
}

export class Gauge implements Family {
  readonly type = 'gauge';
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  /** A gauge computed at scrape time replaces the set values. */
  constructor(readonly name: string, readonly help: string, private readonly collect?: () => Array<{ labels?: Labels; value: number }>) {}
  set(value: number, labels: Labels = {}): void {
    this.values.set(keyOf(labels), { labels, value });
  }
  get(labels: Labels = {}): number | undefined {
    return this.values.get(keyOf(labels))?.value;
  }
  render(): string[] {
    const entries = this.collect ? this.collect().map((e) => ({ labels: e.labels ?? {}, value: e.value })) : [...this.values.values()];
    return entries.map((e) => `${this.name}${labelText(e.labels)} ${number(e.value)}`);
  }
}

export class Histogram implements Family {
  readonly type = 'histogram';
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((upper, i) => {
      if (value <= upper) this.counts[i]! += 1;
    });
  }
  snapshot(): { sum: number; count: number } {
    return { sum: this.sum, count: this.count };
  }
  render(): string[] {
    return [
      ...this.buckets.map((upper, i) => `${this.name}_bucket${labelText({ le: number(upper) })} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${number(this.sum)}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export class Registry {
  private readonly families: Family[] = [];
  register<T extends Family>(family: T): T {
    if (this.families.some((f) => f.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.families.push(family);
    return family;
  }
  /** The exposition text; Content-Type `text/plain; version=0.0.4; charset=utf-8`. */
  text(): string {
    return this.families
      .map((f) => [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...f.render()].join('\n'))
      .join('\n')
      .concat('\n');
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function memoryGauges(registry: Registry, memory: () => Pick<NodeJS.MemoryUsage, 'rss' | 'heapTotal' | 'heapUsed' | 'external'>) {
  const gauge = (name: string, help: string, field: 'rss' | 'heapTotal' | 'heapUsed' | 'external') =>
    registry.register(new Gauge(name, help, () => [{ value: memory()[field] }]));
  return {
    residentMemory: gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', 'rss'),
    heapTotal: gauge('nodejs_heap_size_total_bytes', 'V8 heap size in bytes, used or not.', 'heapTotal'),
    heapUsed: gauge('nodejs_heap_size_used_bytes', 'V8 heap in use, in bytes.', 'heapUsed'),
    external: gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript objects (buffers, parsed certificates), in bytes.', 'external'),
  };
}
