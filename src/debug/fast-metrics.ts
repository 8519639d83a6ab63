// Counters and histograms for the xDS hot path (every response, every ACK of every stream). prom-client's
// own hash their label set on every call, even through labels() children; these bind a child once and
// count into plain numbers, and hand prom-client's registry the same exposition data at scrape time
// (they implement the registry's metric interface: name, help, type, get()).
import type { Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

interface MetricObject {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  values: MetricValue[];
}

const keyOf = (labels: Labels) => JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));

export class FastCounter {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** A child for one label set: inc() is a field increment. */
  child(labels: Labels): { inc(v?: number): void } {
    const key = keyOf(labels);
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = { labels: { ...labels }, value: 0 }));
    const cell = c;
    return {
      inc: (v = 1) => {
        cell.value += v;
      },
    };
  }

  get(): MetricObject {
    return { name: this.name, help: this.help, type: 'counter', aggregator: 'sum', values: [...this.children.values()].map((c) => ({ labels: c.labels, value: c.value })) };
  }
}

interface HistogramCell {
  labels: Labels;
  /** Non-cumulative counts per bucket; the last one is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class FastHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly children = new Map<string, HistogramCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  child(labels: Labels): { observe(v: number): void } {
    const key = keyOf(labels);
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = { labels: { ...labels }, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 }));
    const cell = c;
    const buckets = this.buckets;
    return {
      observe: (v: number) => {
        let i = 0;
        while (i < buckets.length && v > buckets[i]!) i++;
        cell.counts[i]!++;
        cell.sum += v;
        cell.count++;
      },
    };
  }

  get(): MetricObject {
    const values: MetricValue[] = [];
    for (const c of this.children.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += c.counts[i]!;
        values.push({ labels: { le: String(this.buckets[i]), ...c.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...c.labels }, value: c.count, metricName: `${this.name}_bucket` });
      values.push({ labels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
