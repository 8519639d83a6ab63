// README (Horizon inside a cluster): without --kubeconfig, Horizon uses the pod's service account, and
// "its cluster ID is `Kubernetes` unless --cluster-id says otherwise". `horizon serve` is run the way
// test/deploy/in-cluster.test.ts runs it in a pod (KUBERNETES_SERVICE_HOST/PORT and a service-account
// directory, no kubeconfig), without --cluster-id. The cluster's own token stands in for the service
// account's: the RBAC of the manifests is that other test's subject, the default ID is this one's.
import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmulatedClusters, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { clusterz } from '../debug/support.js';
import { demoClusters } from '../support/demo-mesh.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';

describe('claims: serve in a pod without --cluster-id', function () {
  this.timeout(120_000);
  let set: EmulatedClusterSet;
  let dir: string;
  let horizon: HorizonProcess | undefined;

  before(async () => {
    set = await startEmulatedClusters(demoClusters);
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-claims-incluster-'));
  });
  after(async () => {
    await horizon?.stop();
    await set?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('names the primary cluster `Kubernetes` (in the serving line and /debug/clusterz)', async () => {
    const c1 = set.get('cluster1');
    const saDir = path.join(dir, 'serviceaccount');
    await mkdir(saDir);
    await writeFile(path.join(saDir, 'token'), c1.token);
    await writeFile(path.join(saDir, 'ca.crt'), c1.caCertificate);
    await writeFile(path.join(saDir, 'namespace'), 'horizon');
    // HOME without .kube and no KUBECONFIG: only the service account is left.
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(c1.port), HORIZON_SERVICEACCOUNT_DIR: saDir, HORIZON_LOG_LEVEL: 'warn' };
    delete env.KUBECONFIG;
    horizon = spawnHorizon(['serve', '--xds-address', '127.0.0.1:0', '--debug-address', '127.0.0.1:0'], { env });
    const [, primary] = (await horizon.waitFor(/horizon serving: xds=\S+ debug=\S+ primary=(\S+)/, 'the serving line')) as unknown as [string, string];
    assert.equal(primary, 'Kubernetes');
    const [, debugUrl] = (await horizon.waitFor(/horizon ready: xds=\S+ debug=(\S+)/, 'readiness')) as unknown as [string, string];

    const entries = await clusterz(debugUrl);
    assert.deepEqual(
      entries.map((e) => ({ id: e.id, primary: e.primary, origin: e.origin, syncStatus: e.syncStatus })),
      [{ id: 'Kubernetes', primary: true, origin: 'primary', syncStatus: 'synced' }],
    );
  });
});
