// /debug/clusterz: every cluster Horizon reads, primary first, then the other registered clusters, then
// the Secret keys it refused (bad kubeconfig, conflicting cluster ID) with the reason. Field names are a
// contract: end-to-end tests and the `status` command read them.
import type { ClusterWatchStatus, DebugClusters, DebugMesh } from '../source.js';

export type ClusterzSyncStatus = 'syncing' | 'synced' | 'timeout' | 'closed' | 'refused';

/** One watch on the cluster's API server, whoever owns it (cluster, remote-secrets, mesh-networks). */
export type ClusterzWatch = ClusterWatchStatus;

export interface ClusterzEntry {
  id: string;
  primary: boolean;
  origin: 'primary' | 'context' | 'secret';
  secretName?: string;
  secretNamespace?: string;
  secretKey?: string;
  /** API server URL ('' for a refused Secret key: its kubeconfig was not used). */
  server: string;
  syncStatus: ClusterzSyncStatus;
  /** The network of the cluster's endpoints unless a pod says otherwise (system namespace label, meshNetworks fromRegistry); '' when neither says. */
  network?: string;
  /** The API server stopped answering; its last known endpoints are still served. */
  stale: boolean;
  staleSince?: string;
  lastError?: string;
  /** A changed kubeconfig for this cluster: syncing (the old connection serves meanwhile) or refused (kept the old one). */
  rotation?: { state: 'syncing' | 'refused'; since: string; message: string };
  /** Every watch on its API server (absent for a refused Secret key). */
  watches?: ClusterzWatch[];
}

/** `mesh` says each cluster's network (the network of an endpoint no pod label places elsewhere). */
export function clusterz(clusters: DebugClusters, mesh: Pick<DebugMesh, 'networkOf'>): ClusterzEntry[] {
  const remote = clusters.remoteSecrets();
  const out: ClusterzEntry[] = clusters.statuses().map((c) => {
    const owner = c.secret ? remote.find((r) => r.secret.namespace === c.secret!.namespace && r.secret.name === c.secret!.name && r.secret.key === c.secret!.key) : undefined;
    let rotation: ClusterzEntry['rotation'];
    if (owner?.state === 'rotating') rotation = { state: 'syncing', since: owner.since, message: owner.error ?? 'new kubeconfig is syncing' };
    else if (owner?.state === 'active' && owner.error) rotation = { state: 'refused', since: owner.since, message: owner.error };
    return {
      id: c.id,
      primary: c.primary,
      origin: c.origin,
      ...(c.secret ? { secretName: c.secret.name, secretNamespace: c.secret.namespace, secretKey: c.secret.key } : {}),
      server: c.server,
      syncStatus: c.syncStatus,
      network: mesh.networkOf(c.id, '', {}).network,
      stale: c.staleSince !== undefined,
      ...(c.staleSince !== undefined ? { staleSince: c.staleSince } : {}),
      ...(c.lastError ? { lastError: c.lastError } : {}),
      ...(rotation ? { rotation } : {}),
      watches: [...c.watches],
    };
  });
  for (const r of remote) {
    if (r.state !== 'refused') continue;
    out.push({
      id: r.clusterId,
      primary: false,
      origin: 'secret',
      secretName: r.secret.name,
      secretNamespace: r.secret.namespace,
      secretKey: r.secret.key,
      server: '',
      syncStatus: 'refused',
      stale: false,
      ...(r.error ? { lastError: r.error } : {}),
    });
  }
  return out;
}
