import { strict as assert } from 'node:assert';
import { PushQueue, type QueueClock } from '../../src/xds/push-queue.js';
import { quietLog } from '../support/quiet-log.js';
import { waitFor } from '../support/wait.js';
import { mergeInto, mergePushRequests, type MutablePushRequest, type PushRequest } from '../../src/xds/server/provider.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS, CLUSTER_TYPE as CDS } from '../../src/xds/type-urls.js';

/** A hand-driven clock: advance(ms) runs due timers in order. */
class FakeClock implements QueueClock {
  t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers.delete(h as number);
  }
  pending(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
    }
    this.t = end;
  }
}

const change = (type: string, ...names: string[]): PushRequest => ({ changes: new Map([[type, new Set(names)]]) });

function setup(quietMs = 5, maxDelayMs = 50) {
  const clock = new FakeClock();
  const fired: { at: number; req: PushRequest }[] = [];
  const q = new PushQueue({ quietMs, maxDelayMs, clock, onFlush: (req) => fired.push({ at: clock.now(), req }) });
  return { clock, fired, q };
}

describe('xds push queue', () => {
  it('fires once after the quiet period, merging a burst', () => {
    const { clock, fired, q } = setup();
    q.enqueue(change(EDS, 'a'));
    clock.advance(3);
    q.enqueue(change(EDS, 'b'));
    q.enqueue(change(CDS, 'c'));
    clock.advance(4);
    assert.equal(fired.length, 0, 'still within the quiet period of the last request');
    clock.advance(1);
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.at, 8);
    assert.deepEqual([...fired[0]!.req.changes!.get(EDS)!].sort(), ['a', 'b']);
    assert.deepEqual([...fired[0]!.req.changes!.get(CDS)!], ['c']);
    assert.equal(clock.pending(), 0);
  });

  it('fires at the maximum delay under a steady trickle', () => {
    const { clock, fired, q } = setup(5, 50);
    for (let t = 0; t < 120; t += 2) {
      q.enqueue(change(EDS, `e${t}`));
      clock.advance(2);
    }
    assert.deepEqual(
      fired.map((f) => f.at),
      [50, 100],
    );
    assert.equal(fired[0]!.req.changes!.get(EDS)!.size, 25);
  });

  it('a full push absorbs partial ones', () => {
    const { clock, fired, q } = setup();
    q.enqueue(change(EDS, 'a'));
    q.enqueue({ full: true, reason: 'gateway changed' });
    q.enqueue(change(CDS, 'b'));
    clock.advance(10);
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.req.full, true);
    assert.equal(fired[0]!.req.changes, undefined);
  });

  it('flush() fires now; close() drops what is queued; settable delays', () => {
    const { clock, fired, q } = setup(20, 100);
    q.enqueue(change(EDS, 'a'));
    clock.advance(19);
    assert.equal(fired.length, 0);
    q.flush();
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.at, 19);
    q.enqueue(change(EDS, 'b'));
    q.close();
    clock.advance(1000);
    assert.equal(fired.length, 1);
    assert.equal(clock.pending(), 0);
    assert.deepEqual(q.stats(), { enqueued: 2, flushed: 1 });
  });

  it('an onFlush that throws does not break the queue', () => {
    const clock = new FakeClock();
    let calls = 0;
    const q = new PushQueue({
      clock,
      log: quietLog,
      onFlush: () => {
        calls++;
        throw new Error('boom');
      },
    });
    q.enqueue(change(EDS, 'a'));
    clock.advance(100);
    q.enqueue(change(EDS, 'b'));
    clock.advance(100);
    assert.equal(calls, 2);
  });

  it('works on the real clock too', async () => {
    const fired: PushRequest[] = [];
    const q = new PushQueue({ quietMs: 1, maxDelayMs: 5, onFlush: (r) => fired.push(r) });
    q.enqueue(change(EDS, 'a'));
    await waitFor(() => fired.length > 0, 'the real-clock flush', { timeoutMs: 5000, intervalMs: 2 });
    assert.equal(fired.length, 1);
    q.close();
  });

  it('mergePushRequests unions names per type and keeps reasons bounded', () => {
    let m: PushRequest = {};
    for (let i = 0; i < 100; i++) m = mergePushRequests(m, { ...change(EDS, `n${i % 10}`), reason: `reason ${i}` });
    assert.equal(m.changes!.get(EDS)!.size, 10);
    assert.ok(m.reason!.length < 300);
  });

  it('mergePushRequests changes neither input; mergeInto grows only its target', () => {
    const a = { ...change(EDS, 'a'), reason: 'r1', since: 5 };
    const b = { ...change(EDS, 'b'), reason: 'r2', since: 3 };
    const m = mergePushRequests(a, b);
    assert.deepEqual([...m.changes!.get(EDS)!], ['a', 'b']);
    assert.equal(m.since, 3);
    assert.deepEqual([...a.changes!.get(EDS)!], ['a']);
    assert.deepEqual([...b.changes!.get(EDS)!], ['b']);
    assert.equal(a.since, 5);
    const target: MutablePushRequest = {};
    mergeInto(target, a);
    const set = target.changes!.get(EDS)!;
    assert.notEqual(set, a.changes!.get(EDS), 'a copy, never the input set');
    mergeInto(target, b);
    assert.equal(target.changes!.get(EDS), set, 'grown in place');
    assert.deepEqual([...set], ['a', 'b']);
    assert.deepEqual([...a.changes!.get(EDS)!], ['a']);
    mergeInto(target, { full: true, reason: 'topology' });
    assert.deepEqual(target, { full: true, reason: 'r1; r2; topology', since: 3 });
  });

  it('the queue merges a burst into one pending request in place, leaving enqueued requests untouched', () => {
    const clock = new FakeClock();
    const fired: PushRequest[] = [];
    const q = new PushQueue({ quietMs: 5, maxDelayMs: 50, clock, onFlush: (r) => fired.push(r), log: quietLog });
    const first = change(EDS, 'n0');
    q.enqueue(first);
    const pending = q.pending();
    for (let i = 1; i < 100; i++) q.enqueue(change(EDS, `n${i}`));
    assert.equal(q.pending(), pending, 'one request, grown in place');
    assert.deepEqual([...first.changes!.get(EDS)!], ['n0']);
    clock.advance(5);
    assert.equal(fired.length, 1);
    assert.equal(fired[0]!.changes!.get(EDS)!.size, 100);
  });
});
