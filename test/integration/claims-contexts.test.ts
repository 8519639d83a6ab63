// README: "Further contexts are static members of the mesh", and a remote Secret whose cluster ID is
// "already registered from a kubeconfig context" is refused, with the reason in /debug/clusterz
// against the Secret and key, while everything else carries on.
import { strict as assert } from 'node:assert';
import { clusterz } from '../debug/support.js';
import { HELLO_HOST, secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const endpointsOf = (mesh: DemoMesh, cluster: string) => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === cluster);

describe('claims: more than one --context', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;

  before(async () => {
    mesh = await startDemoMesh({ contexts: ['cluster1', 'cluster2'], debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
  });

  it('the second context is a static member: synced, its endpoints and gateway served, shown as a context', async () => {
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1 && (mesh.horizon.mesh.gateways().get('network2') ?? []).length === 1, 'cluster2 endpoints and gateway', { timeoutMs: 15_000 });
    const entries = await clusterz(mesh.horizon.debug!.url);
    const c2 = entries.find((e) => e.id === 'cluster2');
    assert.equal(c2?.origin, 'context', JSON.stringify(entries));
    assert.equal(c2?.primary, false);
    assert.equal(c2?.syncStatus, 'synced');
    assert.equal(c2?.secretName, undefined, 'no Secret behind a context');
    assert.equal(entries.find((e) => e.id === 'cluster1')?.origin, 'primary');
  });

  it("a Secret naming the context's cluster ID is refused with that reason; its other key and both clusters carry on", async () => {
    const cluster2Before = endpointsOf(mesh, 'cluster2');
    const source = mesh.horizon.registry.get('cluster2')!.source;
    // The same Secret also holds a key that is free: it must be registered despite its sibling's refusal.
    const kubeconfig = mesh.c2.kubeconfigYaml({ contextName: 'cluster2' });
    mesh.c1.create(secretObject('c2-again', { cluster2: kubeconfig, 'cluster2-copy': kubeconfig }));
    await waitFor(() => mesh.horizon.registry.get('cluster2-copy')?.source.status === 'synced', 'the free key registered and synced', { timeoutMs: 15_000 });

    const entries = await clusterz(mesh.horizon.debug!.url);
    const refused = entries.find((e) => e.secretName === 'c2-again' && e.secretKey === 'cluster2');
    assert.equal(refused?.syncStatus, 'refused', JSON.stringify(entries));
    assert.equal(refused?.secretNamespace, 'istio-system');
    assert.match(refused?.lastError ?? '', /cluster ID "cluster2" is already registered from a kubeconfig context/);

    const c2 = mesh.horizon.registry.get('cluster2')!;
    assert.equal(c2.origin.kind, 'context', 'cluster2 still comes from its context');
    assert.equal(c2.source, source, 'same connection');
    assert.deepEqual(endpointsOf(mesh, 'cluster2'), cluster2Before, 'cluster2 endpoints untouched');
    assert.equal(endpointsOf(mesh, 'cluster1').length, 1, 'cluster1 carries on');
    assert.equal(mesh.horizon.readiness().ready, true, mesh.horizon.readiness().reasons.join('; '));
  });
});
