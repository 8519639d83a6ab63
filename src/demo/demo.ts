// `horizon demo` (what `npm start` runs): the split-horizon walkthrough on one machine. Emulated
// clusters from a folder; Horizon with the first cluster as primary; every other cluster registered
// the way users do it, by a labelled Secret in the primary holding its kubeconfig; helloworld
// backends on the pod addresses and an east-west gateway per network.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulatedClusters, type EmulatedClusterSet } from '../emulator/index.js';
import { startHorizon, type Horizon } from '../horizon.js';
import { remoteSecretObject as buildRemoteSecret, remoteSecretName } from '../multicluster/remote-secret-manifest.js';
import { startDemoDataplane, type DemoDataplane } from './demo-dataplane.js';

export interface DemoOptions {
  clustersDir: string;
  xdsAddress: string;
  debugAddress?: string;
}

export interface Demo {
  set: EmulatedClusterSet;
  horizon: Horizon;
  dataplane: DemoDataplane;
  kubeconfigPath: string;
  close(): Promise<void>;
}

/** The Secret `kubectl create secret generic <name> --from-file=<id>=<kubeconfig>` + label makes. */
export function remoteSecretObject(namespace: string, clusterId: string, kubeconfig: string) {
  return buildRemoteSecret({ name: remoteSecretName(clusterId), namespace, kubeconfigs: { [clusterId]: kubeconfig } });
}

export async function startDemo(options: DemoOptions): Promise<Demo> {
  const set = await startEmulatedClusters(options.clustersDir);
  const cleanups: Array<() => Promise<unknown>> = [() => set.stop()];
  const close = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const [primary, ...remotes] = [...set.clusters].sort((a, b) => a.id.localeCompare(b.id));
    if (!primary) throw new Error(`${options.clustersDir} holds no cluster`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-demo-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kubeconfigPath = path.join(dir, 'kubeconfig');
    const kubeconfigText = set.kubeconfigYaml({ currentContext: primary.id });
    await writeFile(kubeconfigPath, kubeconfigText, { mode: 0o600 });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(kubeconfigText);

    const horizon = await startHorizon({
      kubeConfig,
      contexts: [primary.id],
      xdsAddress: options.xdsAddress,
      ...(options.debugAddress ? { debugAddress: options.debugAddress } : {}),
    });
    cleanups.push(() => horizon.close());
    for (const remote of remotes) {
      primary.create(remoteSecretObject(horizon.systemNamespace, remote.id, remote.kubeconfigYaml({ contextName: remote.id })));
    }
    const dataplane = await startDemoDataplane({ set, xdsAddress: horizon.xds.address });
    cleanups.push(() => dataplane.close());
    await horizon.whenReady();
    // Ready means the remotes are synced (or timed out), not just listed: wait for the Secrets' clusters.
    const deadline = Date.now() + 30_000;
    while (remotes.some((r) => horizon.registry.get(r.id)?.source.status !== 'synced') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await dataplane.settled();
    return { set, horizon, dataplane, kubeconfigPath, close };
  } catch (err) {
    await close();
    throw err;
  }
}
