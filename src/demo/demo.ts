// `horizon demo` (what `npm start` runs): the split-horizon walkthrough on one machine. Clusters from
// a folder, emulated (the default) or real control planes (`--provider kwok`); Horizon with the first
// cluster as primary; every other cluster registered the way users do it, by a labelled Secret in
// the primary holding its kubeconfig; helloworld backends on the pod addresses and an east-west
// gateway per network. Everything after start goes through the clusters' APIs, whichever provider.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startClusterSet, type ClusterProviderName, type RunningClusterSet } from '../clusters/cluster-set.js';
import { localRouteUnavailable } from '../clusters/local-route.js';
import { KubeRest } from '../kube/rest.js';
import { startHorizon, type Horizon } from '../horizon.js';
import { remoteSecretObject as buildRemoteSecret, remoteSecretName } from '../multicluster/remote-secret-manifest.js';
import { startDemoDataplane, type DemoDataplane } from './demo-dataplane.js';

export interface DemoOptions {
  clustersDir: string;
  /** Where the clusters come from (default emulated). */
  provider?: ClusterProviderName;
  xdsAddress: string;
  debugAddress?: string;
}

export interface Demo {
  set: RunningClusterSet;
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
  const provider = options.provider ?? 'emulated';
  if (provider === 'kwok') {
    // The data plane binds pod addresses, which real control planes keep off loopback ranges.
    const why = await localRouteUnavailable();
    if (why) throw new Error(`demo --provider kwok: ${why}`);
  }
  const set = await startClusterSet(options.clustersDir, provider, { routePods: true });
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

    // The Secrets exist before Horizon starts, so its first list of them already holds every remote
    // and whenReady() waits for those clusters to sync (or time out) like any other.
    const systemNamespace = 'istio-system';
    const primaryApi = new KubeRest(kubeConfig);
    try {
      for (const remote of remotes) {
        const secret = remoteSecretObject(systemNamespace, remote.id, remote.kubeconfigYaml({ contextName: remote.id }));
        await primaryApi.request(`/api/v1/namespaces/${systemNamespace}/secrets`, { method: 'POST', body: JSON.stringify(secret), contentType: 'application/json' });
      }
    } finally {
      primaryApi.close();
    }
    const horizon = await startHorizon({
      kubeConfig,
      contexts: [primary.id],
      systemNamespace,
      xdsAddress: options.xdsAddress,
      ...(options.debugAddress ? { debugAddress: options.debugAddress } : {}),
    });
    cleanups.push(() => horizon.close());
    const dataplane = await startDemoDataplane({ clusters: set.clusters, xdsAddress: horizon.xds.address });
    cleanups.push(() => dataplane.close());
    await horizon.whenReady();
    // Ready also means "timed out": the demo's own clusters must all be there, or its story is wrong.
    const missing = remotes.map((r) => r.id).filter((id) => horizon.registry.get(id)?.source.status !== 'synced');
    if (missing.length > 0) throw new Error(`demo: remote cluster(s) ${missing.join(', ')} did not sync: ${JSON.stringify(horizon.clusterStatuses())}`);
    await dataplane.settled();
    return { set, horizon, dataplane, kubeconfigPath, close };
  } catch (err) {
    await close();
    throw err;
  }
}
