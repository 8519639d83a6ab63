// README: "An unreachable server is reported against its Secret and retried." cluster2's API server is
// down when its Secret arrives: the Secret's key reports the connection error; once the API server
// starts, the cluster syncs and its endpoints and gateway arrive, with the Secret left untouched.
import { strict as assert } from 'node:assert';
import { clusterz } from '../debug/support.js';
import { HELLO_HOST, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const endpointsOf = (mesh: DemoMesh, cluster: string) => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === cluster);
const statusOf = (mesh: DemoMesh) => mesh.horizon.remoteSecrets.statuses().find((s) => s.secret.name === 'cluster2-secret' && s.secret.key === 'cluster2');
const secretVersion = (mesh: DemoMesh) => (mesh.c1.get('v1', 'Secret', 'istio-system', 'cluster2-secret') as { metadata: { resourceVersion: string } }).metadata.resourceVersion;

describe('claims: a remote cluster unreachable at first', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;

  before(async () => {
    mesh = await startDemoMesh({
      remoteClusterTimeoutMs: 1500,
      debugAddress: '127.0.0.1:0',
      prepare: (set) => set.get('cluster2').stop(),
    });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
  });

  it('is reported against its Secret, then synced with its endpoints once its API server answers', async () => {
    mesh.registerRemote();
    await waitFor(() => mesh.horizon.registry.get('cluster2')?.source.status === 'timeout', 'cluster2 timed out', { timeoutMs: 15_000 });
    await waitFor(() => statusOf(mesh)?.error !== undefined, 'the error reported against the Secret', { timeoutMs: 10_000 });
    assert.match(statusOf(mesh)!.error!, /^secret istio-system\/cluster2-secret key cluster2: .*127\.0\.0\.1:\d+.*; retrying$/);
    const entry = (await clusterz(mesh.horizon.debug!.url)).find((e) => e.id === 'cluster2');
    assert.equal(entry?.secretName, 'cluster2-secret', JSON.stringify(entry));
    assert.equal(entry?.syncStatus, 'timeout');
    assert.ok(entry?.lastError, 'the connection error in /debug/clusterz');
    assert.equal(endpointsOf(mesh, 'cluster2').length, 0);
    assert.equal(mesh.horizon.readiness().ready, true, 'served without it meanwhile');

    const version = secretVersion(mesh);
    await mesh.c2.restart();
    await waitFor(
      () => {
        const source = mesh.horizon.registry.get('cluster2')?.source;
        // Not stale once the liveness probe answers again (it may lag the informers by one probe interval).
        return source?.status === 'synced' && source.staleSince === undefined && endpointsOf(mesh, 'cluster2').length === 1 && (mesh.horizon.mesh.gateways().get('network2') ?? []).length === 1;
      },
      'cluster2 synced, its endpoint and gateway in',
      { timeoutMs: 20_000 },
    );
    assert.equal(secretVersion(mesh), version, 'the Secret was not touched');
    assert.equal(statusOf(mesh)?.state, 'active');
    assert.equal(statusOf(mesh)?.error, undefined, 'no error left against the Secret');
    const after = (await clusterz(mesh.horizon.debug!.url)).find((e) => e.id === 'cluster2');
    assert.equal(after?.syncStatus, 'synced');
    assert.equal(after?.stale, false);
  });
});
