// What a caller receives from an xDS server, through Horizon's raw ADS client (istiod's plaintext 15010
// speaks the same ADS): a sidecar (Envoy) asked the way Envoy asks, CDS as a wildcard then EDS for the
// clusters it wants; or any node asking EDS by name (to see exactly what a proxyless client was sent,
// e.g. an assignment grpc-go rejected).
import { AdsClient } from '../xds/client/ads-client.js';
import type { NodeInput } from '../xds/codec/requests.js';
import type { DecodedClusterLoadAssignment } from '../xds/resources/index.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE } from '../xds/type-urls.js';

export interface SidecarNode {
  /** The caller's network (xDS node metadata NETWORK). */
  network: string;
  /** Its cluster (CLUSTER_ID) and namespace. */
  clusterId: string;
  namespace: string;
  /** Its pod IP, as Envoy's node id carries it (`sidecar~<ip>~<pod>.<ns>~<ns>.svc.cluster.local`). */
  ip: string;
  name: string;
  /** ISTIO_VERSION the sidecar reports (istiod tailors some output to it). */
  istioVersion: string;
}

/** Envoy's node as istio-agent writes it, reduced to what xDS servers read for endpoint answers. */
export function sidecarNodeInput(n: SidecarNode): NodeInput {
  return {
    id: `sidecar~${n.ip}~${n.name}.${n.namespace}~${n.namespace}.svc.cluster.local`,
    cluster: `${n.name}.${n.namespace}`,
    metadata: { NETWORK: n.network, CLUSTER_ID: n.clusterId, NAMESPACE: n.namespace, ISTIO_VERSION: n.istioVersion, INSTANCE_IPS: n.ip },
    userAgentName: 'envoy',
  };
}

/**
 * Connects as a sidecar, takes the CDS wildcard, asks EDS for `clusters` (those the server announced)
 * and returns each assignment once all have arrived. Clusters the server does not announce are absent.
 */
export function sidecarAssignments(address: string, node: SidecarNode, clusters: readonly string[], timeoutMs = 20_000): Promise<Map<string, DecodedClusterLoadAssignment>> {
  return assignmentsOverAds(address, sidecarNodeInput(node), clusters, { viaCds: true, timeoutMs });
}

/**
 * The assignments of `clusters` as the server sends them to `node`. With viaCds, only those the CDS
 * wildcard announces are asked for (as Envoy does); otherwise EDS is asked by name at once.
 */
export async function assignmentsOverAds(address: string, node: NodeInput, clusters: readonly string[], opts: { viaCds?: boolean; timeoutMs?: number } = {}): Promise<Map<string, DecodedClusterLoadAssignment>> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const client = new AdsClient({ address, node });
  try {
    let wanted = clusters;
    if (opts.viaCds) {
      client.subscribe(CLUSTER_TYPE);
      await client.nextResponse((r) => r.typeUrl === CLUSTER_TYPE, timeoutMs);
      wanted = clusters.filter((c) => client.resources(CLUSTER_TYPE).has(c));
    }
    if (wanted.length === 0) return new Map();
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, wanted);
    const eds = () => client.resources(CLUSTER_LOAD_ASSIGNMENT_TYPE);
    await client.waitFor(() => wanted.every((c) => eds().has(c)), timeoutMs, `EDS for ${wanted.join(', ')} from ${address}`);
    const out = new Map<string, DecodedClusterLoadAssignment>();
    for (const c of wanted) {
      const r = eds().get(c)!;
      if (r.error || r.decoded?.typeUrl !== CLUSTER_LOAD_ASSIGNMENT_TYPE) throw new Error(`ClusterLoadAssignment ${c} from ${address}: ${r.error ?? 'not decoded'}`);
      out.set(c, r.decoded.value);
    }
    return out;
  } finally {
    client.close();
  }
}
