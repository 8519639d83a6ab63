// Horizon's informer against an emulated API server: what it keeps (transform, metadata only), how it
// resumes a watch the server ended (from its resourceVersion, no relist), relists on 410 Gone and after
// an outage (reconciling what vanished), and that its REST client reuses connections.
import { strict as assert } from 'node:assert';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { EmulatedCluster, KObject } from '../../src/emulator/index.js';
import { ResilientInformer, type InformerState } from '../../src/kube/informer.js';
import { KubeRest } from '../../src/kube/rest.js';
import { Interner, slimPod, type SlimPod } from '../../src/kube/slim.js';
import { startTestCluster, waitFor } from '../emulator/helpers.js';

const pod = (name: string, labels: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'inf', labels },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
});

/** A KubeRest that counts its lists. */
class CountingRest extends KubeRest {
  lists = 0;
  override list<T>(...args: Parameters<KubeRest['list']>) {
    this.lists++;
    return super.list<T>(...args);
  }
}

describe('kube informer (list + watch on Horizon REST client)', function () {
  this.timeout(30_000);
  let c: EmulatedCluster;
  const informers: ResilientInformer<KubernetesObject>[] = [];
  const rests: KubeRest[] = [];

  function rest(): CountingRest {
    const kc = new KubeConfig();
    kc.loadFromString(c.kubeconfigYaml());
    const r = new CountingRest(kc);
    rests.push(r);
    return r;
  }

  before(async () => {
    c = await startTestCluster({}, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'inf' } }]);
  });
  afterEach(() => {
    for (const i of informers.splice(0)) i.stop();
    for (const r of rests.splice(0)) r.close();
  });
  after(async () => {
    await c.close();
  });

  it('keeps only what transform returns, asks for metadata only, and hands handlers the previous version', async () => {
    c.create(pod('m1', { app: 'one' }));
    const intern = new Interner();
    const seen: Array<{ kind: string; name: string; labels: Record<string, string>; before?: Record<string, string> }> = [];
    const informer = new ResilientInformer<SlimPod>({
      rest: rest(),
      path: '/api/v1/namespaces/inf/pods',
      metadataOnly: true,
      transform: (o) => {
        // Metadata-only lists and watches carry no spec.
        assert.equal((o as { spec?: unknown }).spec, undefined);
        assert.equal(o.kind, 'PartialObjectMetadata');
        return slimPod(o, intern);
      },
      handlers: {
        upsert: (p, before) => seen.push({ kind: 'upsert', name: p.metadata.name, labels: { ...p.labels }, ...(before ? { before: { ...before.labels } } : {}) }),
        remove: (p) => seen.push({ kind: 'remove', name: p.metadata.name, labels: { ...p.labels } }),
      },
    });
    informers.push(informer as never);
    informer.start();
    await waitFor(() => informer.hasSynced, 'synced');
    c.patch('v1', 'Pod', 'inf', 'm1', { metadata: { labels: { app: 'two' } } });
    c.delete('v1', 'Pod', 'inf', 'm1');
    await waitFor(() => seen.some((e) => e.kind === 'remove'), 'the delete');
    assert.deepEqual(seen, [
      { kind: 'upsert', name: 'm1', labels: { app: 'one' } },
      { kind: 'upsert', name: 'm1', labels: { app: 'two' }, before: { app: 'one' } },
      { kind: 'remove', name: 'm1', labels: { app: 'two' } },
    ]);
    const kept = informer.list().next().value;
    assert.equal(kept, undefined, 'nothing left after the delete');
  });

  it('resumes a watch the server ended from its resourceVersion, without listing again', async () => {
    const r = rest();
    const names = new Set<string>();
    const informer = new ResilientInformer<KubernetesObject>({
      rest: r,
      path: '/api/v1/namespaces/inf/pods',
      handlers: { upsert: (o) => names.add(o.metadata!.name!), remove: (o) => names.delete(o.metadata!.name!) },
    });
    informers.push(informer);
    informer.start();
    await waitFor(() => informer.state === 'synced', 'synced');
    assert.equal(r.lists, 1);
    c.create(pod('r1', { app: 'r' }));
    await waitFor(() => names.has('r1'), 'r1');
    const dropped = c.faults.dropWatches();
    assert.ok(dropped >= 1);
    // Changes made right after the drop arrive through the resumed watch.
    c.create(pod('r2', { app: 'r' }));
    c.delete('v1', 'Pod', 'inf', 'r1');
    await waitFor(() => names.has('r2') && !names.has('r1'), 'r2 added and r1 deleted after the drop');
    assert.equal(r.lists, 1, 'resumed from the resourceVersion, not relisted');
    c.delete('v1', 'Pod', 'inf', 'r2');
  });

  it('relists on 410 Gone and reports what vanished meanwhile as deleted', async () => {
    const r = rest();
    const names = new Set<string>();
    const informer = new ResilientInformer<KubernetesObject>({
      rest: r,
      path: '/api/v1/namespaces/inf/pods',
      handlers: { upsert: (o) => names.add(o.metadata!.name!), remove: (o) => names.delete(o.metadata!.name!) },
    });
    informers.push(informer);
    c.create(pod('g1', { app: 'g' }));
    informer.start();
    await waitFor(() => names.has('g1'), 'g1');
    // Stop the watch, change things, forget the history: the resume gets 410 and must relist.
    await c.stop();
    c.delete('v1', 'Pod', 'inf', 'g1');
    c.create(pod('g2', { app: 'g' }));
    c.faults.compactHistory();
    await c.restart();
    await waitFor(() => names.has('g2') && !names.has('g1'), 'relisted: g1 gone, g2 there', 20_000);
    assert.ok(r.lists >= 2, `relisted (${r.lists} lists)`);
    // A resume that meets a compacted history (410 Gone as an ERROR event) relists at once, no failure.
    await waitFor(() => informer.state === 'synced', 'synced after the restart');
    const lists = r.lists;
    // Another kind moves the cluster's resourceVersion past the informer's; then the history goes.
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bump', namespace: 'inf' } });
    c.faults.compactHistory();
    c.faults.dropWatches();
    await waitFor(() => r.lists === lists + 1 && informer.state === 'synced', 'relisted after 410');
    assert.equal(informer.lastError, undefined);
    c.delete('v1', 'Pod', 'inf', 'g2');
    c.delete('v1', 'ConfigMap', 'inf', 'bump');
    await waitFor(() => !names.has('g2'), 'g2 deleted through the new watch');
  });

  it('goes failing while the server is down and synced again when it is back', async () => {
    const states: InformerState[] = [];
    const informer = new ResilientInformer<KubernetesObject>({
      rest: rest(),
      path: '/api/v1/namespaces/inf/pods',
      backoff: { initialMs: 20, maxMs: 100 },
      handlers: { upsert: () => undefined, remove: () => undefined, state: (s) => states.push(s) },
    });
    informers.push(informer);
    informer.start();
    await waitFor(() => informer.state === 'synced', 'synced');
    await c.stop();
    await waitFor(() => informer.state === 'failing', 'failing while down');
    assert.ok(informer.lastError);
    await c.restart();
    await waitFor(() => informer.state === 'synced', 'synced again', 20_000);
    assert.equal(informer.lastError, undefined);
    assert.deepEqual([...new Set(states)], ['starting', 'synced', 'failing']);
  });

  it('a handler that throws on one object is caught, counted and skipped; the informer (and the process) carry on', async () => {
    c.create(pod('h-bad-listed', { app: 'h' }));
    c.create(pod('h-ok-listed', { app: 'h' }));
    const names = new Set<string>();
    const reported: string[] = [];
    const informer = new ResilientInformer<KubernetesObject>({
      rest: rest(),
      path: '/api/v1/namespaces/inf/pods',
      labelSelector: 'app=h',
      handlers: {
        upsert: (o) => {
          if (o.metadata!.name!.startsWith('h-bad')) throw new TypeError(`cannot handle ${o.metadata!.name}`);
          names.add(o.metadata!.name!);
        },
        remove: (o) => names.delete(o.metadata!.name!),
        handlerError: (e) => reported.push(e),
      },
    });
    informers.push(informer);
    informer.start();
    await waitFor(() => informer.state === 'synced', 'synced although a listed object threw');
    assert.deepEqual([...names], ['h-ok-listed']);
    // On the watch-event path: the bad object, then a good one after it in the same stream.
    c.create(pod('h-bad-watched', { app: 'h' }));
    c.create(pod('h-ok-watched', { app: 'h' }));
    await waitFor(() => names.has('h-ok-watched'), 'the object after the throwing one');
    assert.equal(informer.state, 'synced', 'the watch was not dropped');
    const st = informer.status();
    assert.equal(st.handlerErrors, 2);
    assert.equal(st.lastHandlerError, 'inf/h-bad-watched: TypeError: cannot handle h-bad-watched');
    assert.deepEqual(reported, ['inf/h-bad-listed: TypeError: cannot handle h-bad-listed', 'inf/h-bad-watched: TypeError: cannot handle h-bad-watched']);
    for (const n of ['h-bad-listed', 'h-ok-listed', 'h-bad-watched', 'h-ok-watched']) c.delete('v1', 'Pod', 'inf', n);
    await waitFor(() => names.size === 0, 'deletes through the same watch');
  });

  it('an absent resource (404) counts as empty and synced', async () => {
    const informer = new ResilientInformer<KubernetesObject>({
      rest: rest(),
      path: '/apis/example.com/v1/widgets',
      handlers: { upsert: () => undefined, remove: () => undefined },
    });
    informers.push(informer);
    informer.start();
    await waitFor(() => informer.state === 'absent', 'absent');
    assert.equal(informer.hasSynced, true);
  });

  it('the REST client keeps one connection for many requests', async () => {
    const r = rest();
    const before = (c.describe() as { connectionsAccepted: number }).connectionsAccepted;
    for (let i = 0; i < 5; i++) await r.list('/api/v1/namespaces/inf/configmaps', { limit: 1 });
    await r.request('/version');
    const after = (c.describe() as { connectionsAccepted: number }).connectionsAccepted;
    assert.equal(after - before, 1, `connections opened for 6 requests: ${after - before}`);
  });
});
