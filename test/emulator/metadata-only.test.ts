// Metadata-only lists, gets and watches (PartialObjectMetadata), as the real API server serves them to
// client-go's metadata informers and to Horizon's pod informer; media type negotiation (406); and lists
// of big collections paged in key order.
import { strict as assert } from 'node:assert';
import type { EmulatedCluster, KObject } from '../../src/emulator/index.js';
import { openWatch, request, startTestCluster, waitFor } from './helpers.js';

const LIST_META = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
const META = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';

const pod = (name: string, labels: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'meta', labels },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
});

describe('emulated API server: metadata only', () => {
  let c: EmulatedCluster;
  before(async () => {
    c = await startTestCluster({}, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'meta' } }], { bookmarkIntervalMs: 100 });
    c.create(pod('p1', { app: 'a' }));
    c.create(pod('p2', { app: 'b' }));
  });
  after(async () => {
    await c.close();
  });

  it('lists as PartialObjectMetadataList: identity, labels and resourceVersion, no spec or status', async () => {
    const r = await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: LIST_META });
    assert.equal(r.status, 200);
    assert.equal(r.json.kind, 'PartialObjectMetadataList');
    assert.equal(r.json.apiVersion, 'meta.k8s.io/v1');
    assert.match(r.json.metadata.resourceVersion, /^\d+$/);
    assert.deepEqual(r.json.items.map((i: KObject) => i.metadata.name), ['p1', 'p2']);
    for (const item of r.json.items) {
      assert.equal(item.kind, 'PartialObjectMetadata');
      assert.equal(item.apiVersion, 'meta.k8s.io/v1');
      assert.equal(item.spec, undefined);
      assert.equal(item.status, undefined);
      assert.ok(item.metadata.uid && item.metadata.resourceVersion && item.metadata.namespace === 'meta');
    }
    assert.deepEqual(r.json.items[0].metadata.labels, { app: 'a' });
    // Paged and selected the same way as whole objects.
    const page = await request(c, 'GET', '/api/v1/pods?limit=1&labelSelector=app', { accept: LIST_META });
    assert.equal(page.json.items.length, 1);
    assert.ok(page.json.metadata.continue);
    const next = await request(c, 'GET', `/api/v1/pods?limit=1&labelSelector=app&continue=${page.json.metadata.continue}`, { accept: LIST_META });
    assert.equal(next.json.items[0].metadata.name, 'p2');
  });

  it('gets one object as PartialObjectMetadata', async () => {
    const r = await request(c, 'GET', '/api/v1/namespaces/meta/pods/p1', { accept: META });
    assert.equal(r.status, 200);
    assert.equal(r.json.kind, 'PartialObjectMetadata');
    assert.equal(r.json.metadata.name, 'p1');
    assert.equal(r.json.spec, undefined);
    // Without the parameter: the whole object.
    assert.ok((await request(c, 'GET', '/api/v1/namespaces/meta/pods/p1')).json.spec);
  });

  it('watches as PartialObjectMetadata: added, modified, deleted and bookmarks carry metadata only', async () => {
    const rv = (await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: LIST_META })).json.metadata.resourceVersion;
    const w = await openWatch(c, `/api/v1/namespaces/meta/pods?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&labelSelector=app%3Dw`, META);
    try {
      c.create(pod('w1', { app: 'w' }));
      c.patch('v1', 'Pod', 'meta', 'w1', { metadata: { labels: { extra: 'x' } } });
      c.faults.setPodReady('meta', 'w1', false); // status only: still an event, still metadata only
      c.delete('v1', 'Pod', 'meta', 'w1');
      await waitFor(() => w.events.some((e) => e.type === 'DELETED'), 'the delete');
      await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
      const events = w.events.filter((e) => e.type !== 'BOOKMARK');
      assert.deepEqual(events.map((e) => e.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
      for (const e of w.events) {
        assert.equal(e.object.kind, 'PartialObjectMetadata', e.type);
        assert.equal(e.object.apiVersion, 'meta.k8s.io/v1');
        assert.equal(e.object.spec, undefined);
        assert.equal(e.object.status, undefined);
      }
      assert.deepEqual(events[1]!.object.metadata.labels, { app: 'w', extra: 'x' });
    } finally {
      w.close();
    }
  });

  it('negotiates: a form the request cannot have is skipped for the next range, or refused with 406', async () => {
    // A list asked for as single-object metadata, with no fallback: 406 Not Acceptable, a Status.
    const r = await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: META });
    assert.equal(r.status, 406);
    assert.equal(r.json.kind, 'Status');
    assert.equal(r.json.reason, 'NotAcceptable');
    // The same with a plain JSON fallback (what client-go sends): the whole objects.
    const fallback = await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: `${META},application/json` });
    assert.equal(fallback.status, 200);
    assert.equal(fallback.json.kind, 'PodList');
    // Metadata of another group than meta.k8s.io is not something we serve either.
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: 'application/json;as=PartialObjectMetadataList;g=example.com;v=v1' })).status, 406);
    // Types we do not speak at all fall back to JSON (kubectl's protobuf-first Accept still works).
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/meta/pods', { accept: 'application/vnd.kubernetes.protobuf' })).json.kind, 'PodList');
    // A watch asked for as a list-only form, without fallback: refused before the stream starts.
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/meta/pods?watch=true', { accept: LIST_META })).status, 406);
  });

  it('pages a big collection in key order, with remainingItemCount, touching only its page', async () => {
    const cl = await startTestCluster({}, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'big' } }]);
    try {
      const n = 1203;
      cl.load(Array.from({ length: n }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${String(i).padStart(4, '0')}`, namespace: 'big', labels: { half: String(i % 2) } } })));
      const names: string[] = [];
      const remaining: number[] = [];
      let cont = '';
      do {
        const r = await request(cl, 'GET', `/api/v1/configmaps?limit=500${cont ? `&continue=${cont}` : ''}`, { accept: LIST_META });
        assert.equal(r.status, 200);
        for (const i of r.json.items) if (i.metadata.namespace === 'big') names.push(i.metadata.name);
        if (r.json.metadata.remainingItemCount !== undefined) remaining.push(r.json.metadata.remainingItemCount);
        cont = r.json.metadata.continue ?? '';
      } while (cont);
      assert.equal(names.length, n);
      assert.deepEqual(names, [...names].sort());
      assert.equal(remaining.length, 2, 'two pages announce what is left');
      assert.ok(remaining[0]! > remaining[1]!);
      // With a selector: no remainingItemCount, and a continue token only while more match.
      const sel = await request(cl, 'GET', '/api/v1/namespaces/big/configmaps?limit=600&labelSelector=half%3D1', { accept: LIST_META });
      assert.equal(sel.json.items.length, 600);
      assert.equal(sel.json.metadata.remainingItemCount, undefined);
      assert.ok(sel.json.metadata.continue);
      const rest = await request(cl, 'GET', `/api/v1/namespaces/big/configmaps?limit=600&labelSelector=half%3D1&continue=${sel.json.metadata.continue}`, { accept: LIST_META });
      assert.equal(rest.json.items.length, 1);
      assert.equal(rest.json.metadata.continue, undefined);
    } finally {
      await cl.close();
    }
  });
});
