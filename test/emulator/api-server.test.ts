// The emulated API server over real HTTPS: authentication, errors as Status objects, list and watch
// semantics (selectors, resume, 410, bookmarks, timeouts), protobuf / YAML bodies, subresources,
// and stop / restart.
import { strict as assert } from 'node:assert';
import https from 'node:https';
import net from 'node:net';
import type { EmulatedCluster } from '../../src/emulator/index.js';
import { openWatch, request, startTestCluster, waitFor } from './helpers.js';

const json = 'application/json';

describe('emulated API server', () => {
  let c: EmulatedCluster;
  before(async () => {
    c = await startTestCluster({}, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sample' } }], { bookmarkIntervalMs: 100 });
  });
  after(async () => {
    await c.close();
  });

  it('refuses requests without the right bearer token with a 401 Status', async () => {
    for (const token of [null, 'wrong-token']) {
      const r = await request(c, 'GET', '/api/v1/namespaces', { token });
      assert.equal(r.status, 401);
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.reason, 'Unauthorized');
    }
    assert.equal((await request(c, 'GET', '/api/v1/namespaces')).status, 200);
  });

  it('serves plain HTTP on the same port too', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(c.port, '127.0.0.1', () => s.write(`GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.token}\r\nConnection: close\r\n\r\n`));
      let buf = '';
      s.on('data', (d) => (buf += d.toString()));
      s.on('end', () => resolve(buf));
      s.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.match(text, /"gitVersion":"v1\.30\.\d+"/);
  });

  it('answers discovery for every listed group', async () => {
    const groups = (await request(c, 'GET', '/apis')).json.groups as Array<{ name: string; versions: Array<{ groupVersion: string }> }>;
    assert.deepEqual(groups.map((g) => g.name).sort(), [
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'apps',
      'coordination.k8s.io',
      'discovery.k8s.io',
      'extensions.istio.io',
      'networking.istio.io',
      'networking.k8s.io',
      'rbac.authorization.k8s.io',
      'security.istio.io',
      'telemetry.istio.io',
    ]);
    for (const g of groups) {
      assert.equal((await request(c, 'GET', `/apis/${g.name}`)).status, 200);
      for (const v of g.versions) {
        const r = await request(c, 'GET', `/apis/${v.groupVersion}`);
        assert.equal(r.status, 200, v.groupVersion);
        assert.ok(r.json.resources.length > 0);
      }
    }
    const core = (await request(c, 'GET', '/api/v1')).json.resources.map((r: { name: string }) => r.name);
    for (const want of ['namespaces', 'nodes', 'services', 'services/status', 'pods', 'pods/status', 'secrets', 'configmaps', 'serviceaccounts']) assert.ok(core.includes(want), want);
    const apps = (await request(c, 'GET', '/apis/apps/v1')).json.resources;
    assert.equal(apps.find((r: { name: string }) => r.name === 'deployments/scale').kind, 'Scale');
    const v3 = (await request(c, 'GET', '/openapi/v3')).json.paths;
    for (const [k, v] of Object.entries(v3) as Array<[string, { serverRelativeURL: string }]>) {
      const doc = await request(c, 'GET', v.serverRelativeURL);
      assert.equal(doc.status, 200, k);
      assert.equal(doc.json.openapi, '3.0.0');
    }
    assert.deepEqual((await request(c, 'GET', '/openapi/v3')).json.paths, v3, 'the v3 root (served from a cache after the first GET) is the same');
  });

  it('answers malformed JSON, YAML and protobuf bodies with 400 and keeps serving', async () => {
    const bodies: Array<[string, string | Buffer]> = [
      [json, '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {'],
      ['application/yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n'],
      ['application/vnd.kubernetes.protobuf', Buffer.from('k8s\0\x12\xff\x01garbage', 'binary')],
      ['application/vnd.kubernetes.protobuf', Buffer.from('not protobuf at all')],
    ];
    for (const [ct, body] of bodies) {
      const r = await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body, contentType: ct });
      assert.equal(r.status, 400, `${ct}: ${r.text}`);
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.reason, 'BadRequest');
      assert.ok(r.json.message.length > 10);
      assert.equal((await request(c, 'GET', '/api/v1/namespaces/sample')).status, 200);
    }
    const patch = await request(c, 'PATCH', '/api/v1/namespaces/sample', { body: '{', contentType: 'application/merge-patch+json' });
    assert.equal(patch.status, 400);
  });

  it('reports 404, 405, 409, 415 and 422 as Status objects', async () => {
    const cm = (name: string, extra: object = {}): string => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: 'b' } });
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/sample/configmaps/nope')).json.reason, 'NotFound');
    assert.equal((await request(c, 'GET', '/api/v1/nosuchresource')).status, 404);
    assert.equal((await request(c, 'POST', '/api/v1/namespaces/sample/configmaps/x', { body: cm('x'), contentType: json })).status, 405);
    assert.equal((await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: cm('dup'), contentType: json })).status, 201);
    const dup = await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: cm('dup'), contentType: json });
    assert.equal(dup.status, 409);
    assert.equal(dup.json.reason, 'AlreadyExists');
    const stale = await request(c, 'PUT', '/api/v1/namespaces/sample/configmaps/dup', { body: cm('dup', { resourceVersion: '1' }), contentType: json });
    assert.equal(stale.status, 409);
    assert.equal(stale.json.reason, 'Conflict');
    assert.equal((await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: cm('x'), contentType: 'text/csv' })).status, 415);
    c.create({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'sample' }, spec: {} });
    const smpOnCr = await request(c, 'PATCH', '/apis/networking.istio.io/v1/namespaces/sample/gateways/gw', { body: '{}', contentType: 'application/strategic-merge-patch+json' });
    assert.equal(smpOnCr.status, 415);
    assert.equal(smpOnCr.json.reason, 'UnsupportedMediaType');
    const noName = await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }), contentType: json });
    assert.equal(noName.status, 422);
    assert.equal(noName.json.reason, 'Invalid');
    const badLabel = await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: cm('l', { labels: { 'bad key!': 'x' } }), contentType: json });
    assert.equal(badLabel.status, 422);
    assert.equal(badLabel.json.details.causes[0].field, 'metadata.labels');
    const gen = await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }), contentType: json });
    assert.match(gen.json.metadata.name, /^gen-[a-z0-9]{5}$/);
  });

  it('accepts YAML bodies, the three patch types and the status subresource', async () => {
    const y = await request(c, 'POST', '/api/v1/namespaces/sample/services', { body: 'apiVersion: v1\nkind: Service\nmetadata: {name: y}\nspec: {ports: [{port: 80, name: a}], selector: {app: y}}\n', contentType: 'application/yaml' });
    assert.equal(y.status, 201);
    const merge = await request(c, 'PATCH', '/api/v1/namespaces/sample/services/y', { body: JSON.stringify({ metadata: { labels: { a: '1' } } }), contentType: 'application/merge-patch+json' });
    assert.equal(merge.json.metadata.labels.a, '1');
    const smp = await request(c, 'PATCH', '/api/v1/namespaces/sample/services/y', { body: JSON.stringify({ spec: { ports: [{ port: 81, name: 'b' }] } }), contentType: 'application/strategic-merge-patch+json' });
    assert.equal(smp.status, 200, smp.text);
    assert.deepEqual(smp.json.spec.ports.map((p: { port: number }) => p.port), [80, 81]);
    const jp = await request(c, 'PATCH', '/api/v1/namespaces/sample/services/y', { body: JSON.stringify([{ op: 'remove', path: '/metadata/labels/a' }]), contentType: 'application/json-patch+json' });
    assert.equal(jp.json.metadata.labels, undefined);
    const st = await request(c, 'PATCH', '/api/v1/namespaces/sample/services/y/status', { body: JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }), contentType: 'application/merge-patch+json' });
    assert.equal(st.json.status.loadBalancer.ingress[0].ip, '1.2.3.4');
    // The main resource cannot change status.
    const main = await request(c, 'PATCH', '/api/v1/namespaces/sample/services/y', { body: JSON.stringify({ status: { loadBalancer: {} } }), contentType: 'application/merge-patch+json' });
    assert.equal(main.json.status.loadBalancer.ingress[0].ip, '1.2.3.4');
  });

  it('serves Istio resources under v1 and v1beta1 as the same objects', async () => {
    const vs = { apiVersion: 'networking.istio.io/v1beta1', kind: 'VirtualService', metadata: { name: 'vs' }, spec: { hosts: ['a'] } };
    assert.equal((await request(c, 'POST', '/apis/networking.istio.io/v1beta1/namespaces/sample/virtualservices', { body: JSON.stringify(vs), contentType: json })).status, 201);
    const v1 = await request(c, 'GET', '/apis/networking.istio.io/v1/namespaces/sample/virtualservices/vs');
    assert.equal(v1.json.apiVersion, 'networking.istio.io/v1');
    assert.equal(v1.json.metadata.generation, 1);
    const list = await request(c, 'GET', '/apis/networking.istio.io/v1beta1/virtualservices');
    assert.equal(list.json.items[0].apiVersion, 'networking.istio.io/v1beta1');
  });

  it('lists with label and field selectors, cluster-wide and paged', async () => {
    for (let i = 0; i < 7; i++) {
      await request(c, 'POST', '/api/v1/namespaces/sample/configmaps', { body: JSON.stringify({ metadata: { name: `page-${i}`, labels: { page: 'yes', n: String(i % 2) } } }), contentType: json });
    }
    assert.equal((await request(c, 'GET', '/api/v1/configmaps?labelSelector=page%3Dyes,n%3D1')).json.items.length, 3);
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/sample/configmaps?fieldSelector=metadata.name%3Dpage-2')).json.items.length, 1);
    assert.equal((await request(c, 'GET', '/api/v1/configmaps?labelSelector=page%20in%20(yes)')).json.items.length, 7);
    assert.equal((await request(c, 'GET', '/api/v1/configmaps?labelSelector=page%20notin%20(yes),!page')).json.items.filter((x: { metadata: { name: string } }) => x.metadata.name.startsWith('page')).length, 0);
    const names: string[] = [];
    let cont = '';
    do {
      const r = await request(c, 'GET', `/api/v1/namespaces/sample/configmaps?labelSelector=page&limit=3${cont ? `&continue=${cont}` : ''}`);
      names.push(...r.json.items.map((x: { metadata: { name: string } }) => x.metadata.name));
      cont = r.json.metadata.continue ?? '';
    } while (cont);
    assert.deepEqual(names, [0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`));
    assert.equal((await request(c, 'GET', '/api/v1/configmaps?labelSelector=a%20in%20x')).status, 400);
  });

  it('watches: selector transitions give ADDED/DELETED, resume from a resourceVersion, bookmarks', async () => {
    const rv = (await request(c, 'GET', '/api/v1/namespaces/sample/secrets')).json.metadata.resourceVersion;
    const w = await openWatch(c, `/api/v1/namespaces/sample/secrets?watch=true&resourceVersion=${rv}&labelSelector=istio%2FmultiCluster%3Dtrue&allowWatchBookmarks=true`);
    try {
      c.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'sample' }, stringData: { k: 'v' } });
      c.patch('v1', 'Secret', 'sample', 's1', { metadata: { labels: { 'istio/multiCluster': 'true' } } });
      c.patch('v1', 'Secret', 'sample', 's1', { metadata: { annotations: { x: 'y' } } });
      c.patch('v1', 'Secret', 'sample', 's1', { metadata: { labels: { 'istio/multiCluster': 'false' } } });
      await waitFor(() => w.events.filter((e) => e.type !== 'BOOKMARK').length >= 3, 'three watch events');
      await waitFor(() => w.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
      assert.deepEqual(w.events.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type), ['ADDED', 'MODIFIED', 'DELETED']);
      assert.equal(Buffer.from(w.events[0]!.object.data.k, 'base64').toString(), 'v');
      const bm = w.events.find((e) => e.type === 'BOOKMARK')!;
      assert.match(bm.object.metadata.resourceVersion, /^\d+$/);
    } finally {
      w.close();
    }
    // Resume from the first event's resourceVersion: the later events are replayed.
    const firstRv = Number(rv);
    const again = await openWatch(c, `/api/v1/namespaces/sample/secrets?watch=1&resourceVersion=${firstRv}&timeoutSeconds=1`);
    await again.ended;
    assert.deepEqual(again.events.map((e) => e.type), ['ADDED', 'MODIFIED', 'MODIFIED', 'MODIFIED']);
  });

  it('answers a watch from a compacted resourceVersion with an ERROR 410 event', async () => {
    const rv = (await request(c, 'GET', '/api/v1/namespaces/sample/configmaps')).json.metadata.resourceVersion;
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-rv', namespace: 'sample' } });
    c.faults.compactHistory();
    const w = await openWatch(c, `/api/v1/namespaces/sample/configmaps?watch=true&resourceVersion=${rv}`);
    await w.ended;
    assert.equal(w.events.length, 1);
    assert.equal(w.events[0]!.type, 'ERROR');
    assert.equal(w.events[0]!.object.code, 410);
    assert.equal(w.events[0]!.object.reason, 'Expired');
  });

  it('drops every watch on request; a watch without resourceVersion starts with the current objects', async () => {
    const w = await openWatch(c, '/api/v1/namespaces?watch=true');
    await waitFor(() => w.events.length >= 5, 'initial ADDED events');
    assert.ok(w.events.every((e) => e.type === 'ADDED'));
    const r = await request(c, 'POST', '/_emulator/drop-watches');
    assert.ok(r.json.dropped >= 1);
    await w.ended;
  });

  it('scale subresource and fault hooks over HTTP', async () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'w' }] } } } };
    assert.equal((await request(c, 'POST', '/apis/apps/v1/namespaces/sample/deployments', { body: JSON.stringify(d), contentType: json })).status, 201);
    const scale = await request(c, 'PATCH', '/apis/apps/v1/namespaces/sample/deployments/web/scale', { body: JSON.stringify({ spec: { replicas: 3 } }), contentType: 'application/merge-patch+json' });
    assert.equal(scale.json.kind, 'Scale');
    assert.equal(scale.json.spec.replicas, 3);
    const pods = (await request(c, 'GET', '/api/v1/namespaces/sample/pods?labelSelector=app%3Dweb')).json.items;
    assert.equal(pods.length, 3);
    const notReady = await request(c, 'POST', `/_emulator/pods/sample/${pods[0].metadata.name}/not-ready`);
    assert.equal(notReady.json.status.conditions.find((x: { type: string }) => x.type === 'Ready').status, 'False');
    const dep = await request(c, 'GET', '/apis/apps/v1/namespaces/sample/deployments/web');
    assert.equal(dep.json.status.readyReplicas, 2);
  });

  it('drops a watcher that cannot keep up, without disturbing the others', async function () {
    this.timeout(60_000);
    const small = await startTestCluster({}, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sample' } }], { maxWatchBufferedBytes: 256 * 1024, slowWatcherGraceMs: 5000 });
    try {
      const rv = small.state.store.resourceVersion;
      const path = `/api/v1/namespaces/sample/configmaps?watch=true&resourceVersion=${rv}`;
      const fast = await openWatch(small, path);
      const slowEnded = new Promise<void>((resolve) => {
        const req = https.request({ host: '127.0.0.1', port: small.port, path, ca: small.caCertificate, headers: { authorization: `Bearer ${small.token}` }, agent: false }, (res) => {
          res.pause(); // never reads
          res.socket.pause();
          res.on('close', () => resolve());
        });
        req.end();
      });
      await waitFor(() => (small.describe() as { openWatches: number }).openWatches === 2, 'two open watches');
      const big = 'x'.repeat(100_000);
      for (let i = 0; i < 120; i++) small.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}`, namespace: 'sample' }, data: { big } });
      await waitFor(() => (small.describe() as { openWatches: number }).openWatches === 1, 'the slow watcher to be dropped', 30_000);
      await waitFor(() => fast.events.length === 120, 'all events at the fast watcher', 30_000);
      assert.equal(fast.isEnded(), false);
      fast.close();
      void slowEnded;
    } finally {
      await small.close();
    }
  });

  it('stops and restarts on the same port with the same objects', async () => {
    const port = c.port;
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'survivor', namespace: 'sample' } });
    const w = await openWatch(c, '/api/v1/namespaces/sample/configmaps?watch=true');
    await c.stop();
    await w.ended;
    await assert.rejects(request(c, 'GET', '/version'));
    await c.restart();
    assert.equal(c.port, port);
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/sample/configmaps/survivor')).status, 200);

    // The restart hook: the cluster's restart() is held until the outage has been seen (an open watch
    // ends, a new request is refused), so nothing depends on how long the server stays down.
    const watch = await openWatch(c, '/api/v1/namespaces/sample/configmaps?watch=true');
    const realRestart = c.restart.bind(c);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let stopped!: () => void;
    const restartPending = new Promise<void>((resolve) => (stopped = resolve));
    c.restart = async () => {
      stopped();
      await released;
      return realRestart();
    };
    try {
      const r = await request(c, 'POST', '/_emulator/restart?downMs=0');
      assert.equal(r.status, 202);
      await watch.ended;
      await restartPending;
      assert.equal(c.isRunning, false);
      await assert.rejects(request(c, 'GET', '/version'), 'nothing listens while the server is down');
    } finally {
      release();
    }
    await waitFor(async () => (await request(c, 'GET', '/api/v1/namespaces/sample/configmaps/survivor')).status === 200, 'server back after the restart hook');
    c.restart = realRestart;
    assert.equal(c.isRunning, true);
    assert.equal(c.port, port);
  });
});
