// Clusters for Horizon to run against, from one folder of cluster definitions
// (clusters/<set>/<id>/cluster.yaml + manifests), by either provider:
//   emulated  Horizon's own in-memory API servers (src/emulator): no root, no binaries, fast;
//   kwok      real control planes (etcd, kube-apiserver, controllers, kwok, MetalLB) built by
//             scripts/kube-binaries.sh, the same binaries a kind node runs.
// Everything after start talks to them the same way: through their kubeconfigs.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadClusterSet, type ClusterDefinition } from '../emulator/cluster-definition.js';
import { startClusterDefinitions } from '../emulator/cluster-set.js';
import { kubeconfigDocument } from '../kube/kubeconfig-document.js';
import { kubeBinariesDir } from './kube-binaries.js';
import { RealCluster } from './real-cluster.js';

export const CLUSTER_PROVIDERS = ['emulated', 'kwok'] as const;
export type ClusterProviderName = (typeof CLUSTER_PROVIDERS)[number];

export interface RunningCluster {
  readonly id: string;
  readonly network: string;
  /** The API server's URL. */
  readonly url: string;
  /** A kubeconfig with one context (named after the cluster ID unless told otherwise). */
  kubeconfigYaml(opts?: { contextName?: string }): string;
}

export interface RunningClusterSet {
  readonly provider: ClusterProviderName;
  readonly clusters: readonly RunningCluster[];
  /** One kubeconfig, one context per cluster named by its ID. */
  kubeconfigYaml(opts?: { currentContext?: string }): string;
  stop(): Promise<void>;
}

export interface ClusterSetOptions {
  /** kwok: the folder for the clusters' data (default: a new one under the OS temp folder). */
  workDir?: string;
  /** kwok: route pod ranges to the loopback interface so pod addresses can be bound (root). */
  routePods?: boolean;
}

export class RealClusterSet implements RunningClusterSet {
  readonly provider = 'kwok' as const;
  constructor(
    readonly clusters: readonly RealCluster[],
    /** Removed by stop() (the clusters' own folders are inside). */
    private readonly workDir: string,
  ) {}

  get(id: string): RealCluster {
    const c = this.clusters.find((x) => x.id === id);
    if (!c) throw new Error(`no cluster ${JSON.stringify(id)} (have: ${this.clusters.map((x) => x.id).join(', ')})`);
    return c;
  }

  kubeconfigYaml(opts: { currentContext?: string } = {}): string {
    return kubeconfigDocument(
      this.clusters.map((c) => c.kubeconfigEntry()),
      opts.currentContext,
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.clusters.map((c) => c.stop()));
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** Starts real control planes for the definitions, side by side; if one fails the others stop. */
export async function startRealClusters(defs: readonly ClusterDefinition[], opts: ClusterSetOptions = {}): Promise<RealClusterSet> {
  const binDir = await kubeBinariesDir();
  const root = opts.workDir ?? (await mkdtemp(path.join(os.tmpdir(), 'horizon-kwok-')));
  const results = await Promise.allSettled(defs.map((d) => RealCluster.start(d, { binDir, workDir: path.join(root, d.clusterID), routePods: opts.routePods ?? false })));
  const ok = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await new RealClusterSet(ok, root).stop();
    throw failed.reason;
  }
  return new RealClusterSet(ok, root);
}

export async function startClusterSet(setDir: string, provider: ClusterProviderName, opts: ClusterSetOptions = {}): Promise<RunningClusterSet> {
  const defs = await loadClusterSet(setDir);
  if (provider === 'kwok') return startRealClusters(defs, opts);
  return startClusterDefinitions(defs);
}
