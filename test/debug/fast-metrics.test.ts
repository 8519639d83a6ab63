// The hot-path counters and histograms: bound children count into plain numbers, and the registry's
// exposition is what prom-client's own metrics would print (cumulative buckets, +Inf, _sum, _count).
import { strict as assert } from 'node:assert';
import { Histogram, Registry } from 'prom-client';
import { FastCounter, FastHistogram } from '../../src/debug/fast-metrics.js';

const lines = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('fast metrics', () => {
  it('a counter: per label set, the increments of every child add up', async () => {
    const r = new Registry();
    const c = new FastCounter('x_total', 'things', r);
    const eds = c.child({ type: 'EDS', trigger: 'push' });
    eds.inc();
    eds.inc(2);
    c.child({ trigger: 'push', type: 'EDS' }).inc(); // same set, other key order
    c.child({ type: 'CDS', trigger: 'request' }).inc(5);
    const text = await r.metrics();
    assert.match(text, /# HELP x_total things\n# TYPE x_total counter/);
    assert.deepEqual(lines(text, 'x_total{').sort(), ['x_total{type="CDS",trigger="request"} 5', 'x_total{type="EDS",trigger="push"} 4']);
  });

  it('a histogram prints the same series as prom-client for the same observations', async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const values = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.7, 3, 12];
    const fastRegistry = new Registry();
    const fast = new FastHistogram('h_seconds', 'latency', buckets, fastRegistry).child({ type: 'EDS' });
    const refRegistry = new Registry();
    const ref = new Histogram({ name: 'h_seconds', help: 'latency', labelNames: ['type'], buckets, registers: [refRegistry] });
    for (const v of values) {
      fast.observe(v);
      ref.observe({ type: 'EDS' }, v);
    }
    const norm = (t: string) => lines(t, 'h_seconds').sort();
    assert.deepEqual(norm(await fastRegistry.metrics()), norm(await refRegistry.metrics()));
    assert.match(await fastRegistry.metrics(), /# TYPE h_seconds histogram/);
  });
});
