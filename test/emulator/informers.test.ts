// @kubernetes/client-node 1.4 informers (list + watch) against an emulated cluster: adds, updates,
// deletes, label-selected secrets appearing and disappearing, recovery after dropped watches and
// relisting after a forced 410.
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import type { EmulatedCluster, KObject } from '../../src/emulator/index.js';
import { startTestCluster, waitFor } from './helpers.js';

interface Recorder<T extends k8s.KubernetesObject> {
  informer: k8s.Informer<T> & k8s.ObjectCache<T>;
  events: Array<[string, string]>;
  errors: unknown[];
  names: () => string[];
}

async function record<T extends k8s.KubernetesObject>(informer: k8s.Informer<T> & k8s.ObjectCache<T>): Promise<Recorder<T>> {
  const events: Array<[string, string]> = [];
  const errors: unknown[] = [];
  informer.on('add', (o) => events.push(['add', o.metadata!.name!]));
  informer.on('update', (o) => events.push(['update', o.metadata!.name!]));
  informer.on('delete', (o) => events.push(['delete', o.metadata!.name!]));
  informer.on('error', (e) => errors.push(e));
  await informer.start();
  return { informer, events, errors, names: () => informer.list().map((o) => o.metadata!.name!).sort() };
}

describe('client-node informers against an emulated cluster', function () {
  this.timeout(60_000);
  let c: EmulatedCluster;
  let kc: k8s.KubeConfig;
  const recorders: Array<Recorder<k8s.KubernetesObject>> = [];

  before(async () => {
    c = await startTestCluster({}, [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sample' } },
    ]);
    kc = new k8s.KubeConfig();
    kc.loadFromString(c.kubeconfigYaml());
  });
  after(async () => {
    for (const r of recorders) await r.informer.stop();
    await c.close();
  });

  async function informer<T extends k8s.KubernetesObject>(path: string, list: () => Promise<k8s.KubernetesListObject<T>>, labelSelector?: string): Promise<Recorder<T>> {
    const r = await record(k8s.makeInformer(kc, path, list, labelSelector));
    recorders.push(r as unknown as Recorder<k8s.KubernetesObject>);
    return r;
  }

  it('sees services, pods and endpoint slices come, change and go', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const disc = kc.makeApiClient(k8s.DiscoveryV1Api);
    const svcs = await informer('/api/v1/namespaces/sample/services', () => core.listNamespacedService({ namespace: 'sample' }));
    const pods = await informer('/api/v1/pods', () => core.listPodForAllNamespaces());
    const slices = await informer('/apis/discovery.k8s.io/v1/namespaces/sample/endpointslices', () => disc.listNamespacedEndpointSlice({ namespace: 'sample' }));

    c.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'sample' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    c.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'sample' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'w', image: 'w' }] } } } });
    await waitFor(() => svcs.names().includes('web') && pods.names().length === 2, 'service and two pods');
    const slice = await waitFor(() => (slices.informer.list() as k8s.V1EndpointSlice[]).find((s) => (s.endpoints ?? []).length === 2), 'slice with two endpoints');
    assert.equal(slice.metadata!.labels!['kubernetes.io/service-name'], 'web');

    c.patch('v1', 'Service', 'sample', 'web', { metadata: { labels: { changed: 'yes' } } });
    await waitFor(() => svcs.events.some(([t, n]) => t === 'update' && n === 'web'), 'service update');
    const victim = pods.names()[0]!;
    c.faults.setPodReady('sample', victim, false);
    await waitFor(() => (slices.informer.list() as k8s.V1EndpointSlice[]).some((s) => (s.endpoints ?? []).some((e) => e.targetRef?.name === victim && e.conditions?.ready === false)), 'not-ready endpoint');
    c.delete('apps/v1', 'Deployment', 'sample', 'web');
    c.delete('v1', 'Service', 'sample', 'web');
    await waitFor(() => pods.names().length === 0 && svcs.names().length === 0 && slices.names().length === 0, 'everything deleted');
    assert.ok(pods.events.filter(([t]) => t === 'delete').length >= 2);
    for (const r of [svcs, pods, slices]) assert.deepEqual(r.errors, []);
  });

  it('label-selected secrets appear and disappear as the label comes and goes', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const sel = 'istio/multiCluster=true';
    const secrets = await informer('/api/v1/namespaces/istio-system/secrets', () => core.listNamespacedSecret({ namespace: 'istio-system', labelSelector: sel }), sel);
    c.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'plain', namespace: 'istio-system' }, stringData: { a: 'b' } } as KObject);
    c.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'remote', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } }, stringData: { cluster2: 'x' } } as KObject);
    await waitFor(() => secrets.names().includes('remote'), 'labelled secret');
    c.patch('v1', 'Secret', 'istio-system', 'plain', { metadata: { labels: { 'istio/multiCluster': 'true' } } });
    await waitFor(() => secrets.names().includes('plain'), 'secret gaining the label');
    c.patch('v1', 'Secret', 'istio-system', 'plain', { metadata: { labels: { 'istio/multiCluster': null } } });
    await waitFor(() => !secrets.names().includes('plain'), 'secret losing the label');
    assert.deepEqual(secrets.names(), ['remote']);
    assert.deepEqual(secrets.events.filter(([, n]) => n === 'plain').map(([t]) => t), ['add', 'delete']);
  });

  it('works over the plain-HTTP kubeconfig too (client-node sends the token over http)', async () => {
    const plain = new k8s.KubeConfig();
    plain.loadFromString(c.kubeconfigYaml({ plainHttp: true }));
    assert.match(plain.getCurrentCluster()!.server, /^http:\/\/127\.0\.0\.1:\d+$/);
    const list = await plain.makeApiClient(k8s.CoreV1Api).listNamespace();
    assert.ok(list.items.some((n) => n.metadata?.name === 'istio-system'));
  });

  it('recovers after every watch is dropped, and relists after a forced 410', async () => {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    let lists = 0;
    const cms = await informer('/api/v1/namespaces/sample/configmaps', () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace: 'sample' });
    });
    const connects: number[] = [];
    cms.informer.on('connect', () => connects.push(Date.now()));
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'sample' } });
    await waitFor(() => cms.names().includes('one'), 'first configmap');
    const before = connects.length;
    assert.ok(c.faults.dropWatches() >= 1);
    await waitFor(() => connects.length > before, 'the informer to re-watch');
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two', namespace: 'sample' } });
    await waitFor(() => cms.names().includes('two'), 'a change after the re-watch');
    assert.equal(lists, 1, 'a dropped watch resumes from its resourceVersion without relisting');

    // Changes while no watch can resume: history is compacted, so the informer must relist.
    c.faults.compactHistory();
    c.faults.dropWatches();
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'three', namespace: 'sample' } });
    c.delete('v1', 'ConfigMap', 'sample', 'one');
    c.faults.compactHistory();
    c.faults.dropWatches();
    await waitFor(() => cms.names().join() === 'three,two', 'the relisted state');
    assert.ok(lists >= 2, 'the 410 made the informer relist');
    c.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'four', namespace: 'sample' } });
    await waitFor(() => cms.names().includes('four'), 'a change after the relist');
    assert.deepEqual(cms.errors, []);
  });
});
