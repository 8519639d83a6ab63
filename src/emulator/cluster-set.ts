// A set of emulated clusters started from one folder (clusters/<set>/<clusterID>/), with one
// kubeconfig holding a context per cluster.
import { ClusterDefinitionError, loadClusterSet, type ClusterDefinition } from './cluster-definition.js';
import { EmulatedCluster, type EmulatedClusterOptions, type KubeconfigOptions } from './emulated-cluster.js';
import { kubeconfigYaml } from './kubeconfig.js';

export class EmulatedClusterSet {
  readonly provider = 'emulated' as const;
  readonly clusters: readonly EmulatedCluster[];

  constructor(clusters: readonly EmulatedCluster[]) {
    this.clusters = clusters;
  }

  /** The cluster with this ID; throws naming the IDs there are. */
  get(id: string): EmulatedCluster {
    const c = this.clusters.find((x) => x.id === id);
    if (!c) throw new Error(`no emulated cluster ${JSON.stringify(id)} (have: ${this.clusters.map((x) => x.id).join(', ')})`);
    return c;
  }

  /** One kubeconfig, one context per cluster named by its ID; the first cluster is current. */
  kubeconfigYaml(opts: Pick<KubeconfigOptions, 'insecureSkipTlsVerify' | 'plainHttp'> & { currentContext?: string } = {}): string {
    return kubeconfigYaml(
      this.clusters.map((c) => c.kubeconfigEntry({ insecureSkipTlsVerify: opts.insecureSkipTlsVerify, plainHttp: opts.plainHttp })),
      opts.currentContext,
    );
  }

  /** Closes every cluster. */
  async stop(): Promise<void> {
    await Promise.all(this.clusters.map((c) => c.close()));
  }
}

export async function startEmulatedCluster(def: ClusterDefinition, opts: EmulatedClusterOptions = {}): Promise<EmulatedCluster> {
  return EmulatedCluster.start(def, opts);
}

/** Starts every cluster definition given; if one fails, the others are closed again. */
export async function startClusterDefinitions(defs: readonly ClusterDefinition[], opts: EmulatedClusterOptions = {}): Promise<EmulatedClusterSet> {
  const seen = new Map<string, string>();
  for (const d of defs) {
    const where = d.dir ?? d.clusterID;
    if (seen.has(d.clusterID)) throw new ClusterDefinitionError(`${where}: clusterID ${JSON.stringify(d.clusterID)} is also used by ${seen.get(d.clusterID)}`);
    seen.set(d.clusterID, where);
  }
  const started: EmulatedCluster[] = [];
  try {
    for (const d of defs) started.push(await EmulatedCluster.start(d, opts));
  } catch (err) {
    await Promise.all(started.map((c) => c.close()));
    throw err;
  }
  return new EmulatedClusterSet(started);
}

/** Starts every subfolder of `setDir` that holds a cluster.yaml. */
export async function startEmulatedClusters(setDir: string, opts: EmulatedClusterOptions = {}): Promise<EmulatedClusterSet> {
  return startClusterDefinitions(await loadClusterSet(setDir), opts);
}
