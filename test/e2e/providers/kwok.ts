// Real control planes (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, MetalLB;
// built by scripts/kube-binaries.sh) from the same cluster definitions as the emulated provider
// (clusters/demo), started in the test process so the fault tests can stop, kill and restart their
// processes. Pod ranges are routed to the loopback interface, so the data plane can bind pod addresses.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startRealClusters, type RealClusterSet } from '../../../src/clusters/cluster-set.js';
import { findKubeBinaries } from '../../../src/clusters/kube-binaries.js';
import { localRouteUnavailable } from '../../../src/clusters/local-route.js';
import { loadClusterSet } from '../../../src/emulator/cluster-definition.js';
import { repoRoot } from '../../support/demo-mesh.js';
import { run } from '../../support/exec.js';
import type { ClusterProvider, ProvisionedClusters } from './provider.js';

/** Set by .ci/run: there the real control planes must run, so a missing build fails instead of skipping. */
export const kwokRequired = process.env.HORIZON_REQUIRE_KWOK === '1';

export interface KwokProvisioned extends ProvisionedClusters {
  /** The running control planes: their processes, for fault tests. */
  set: RealClusterSet;
}

/** Why real control planes cannot run here (undefined: they can, or they are required to). */
export async function kwokUnavailable(): Promise<string | undefined> {
  const reasons: string[] = [];
  const found = await findKubeBinaries();
  if ('missing' in found) reasons.push(found.missing);
  const route = await localRouteUnavailable();
  if (route) reasons.push(route);
  if ((await run('kubectl', ['version', '--client'])).code !== 0) reasons.push('kubectl is not installed');
  if (reasons.length === 0) return undefined;
  // Required (CI): report nothing here, so that provisioning runs and fails with the reason.
  return kwokRequired ? undefined : `${reasons.join('; ')} (HORIZON_REQUIRE_KWOK=1 makes this a failure)`;
}

export async function provisionKwok(): Promise<KwokProvisioned> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-e2e-kwok-'));
  try {
    const defs = await loadClusterSet(path.join(repoRoot, 'clusters/demo'));
    const set = await startRealClusters(defs, { workDir: path.join(dir, 'clusters'), routePods: true });
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, set.kubeconfigYaml({ currentContext: 'cluster1' }), { mode: 0o600 });
    const ref = (id: string) => ({ context: id, clusterId: id, network: set.get(id).network });
    return {
      kubeconfig,
      primary: ref('cluster1'),
      remote: ref('cluster2'),
      set,
      cleanup: async () => {
        await set.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export const kwokProvider: ClusterProvider = {
  name: 'kwok',
  unavailable: kwokUnavailable,
  provision: provisionKwok,
};
