// Clusters: one EDS cluster per service port, and one per DestinationRule subset, with the load
// balancer the DestinationRule asks for where the client can do it. Proxyless gRPC only does
// ROUND_ROBIN and RING_HASH (it rejects a whole response otherwise), so other policies fall back to
// ROUND_ROBIN for it; Envoy gets them as asked, and istiod's default LEAST_REQUEST.
import type { MeshModel } from '../../mesh/mesh-model.js';
import type { TrafficPolicy } from '../../model/istio-config.js';
import type { Hostname } from '../../model/types.js';
import type { EdsClusterInput, LbPolicyName } from '../resources/cluster.js';
import type { IstioConfigIndex } from './istio-config-index.js';
import { clusterName, type ClusterKey } from './names.js';

/** istiod's default connect timeout. */
const CONNECT_TIMEOUT_MS = 10_000;

export function lbOf(policy: TrafficPolicy | undefined, proxyless: boolean): Pick<EdsClusterInput, 'lbPolicy' | 'ringHash'> {
  const lb = policy?.loadBalancer;
  if (lb?.consistentHash) {
    const min = lb.consistentHash.minimumRingSize;
    return { lbPolicy: 'RING_HASH', ...(min ? { ringHash: { minimumRingSize: min } } : {}) };
  }
  const fallback: LbPolicyName = proxyless ? 'ROUND_ROBIN' : 'LEAST_REQUEST';
  switch (lb?.simple) {
    case 'ROUND_ROBIN':
      return { lbPolicy: 'ROUND_ROBIN' };
    case 'LEAST_REQUEST':
    case 'LEAST_CONN':
      return { lbPolicy: proxyless ? 'ROUND_ROBIN' : 'LEAST_REQUEST' };
    case 'RANDOM':
      return { lbPolicy: proxyless ? 'ROUND_ROBIN' : 'RANDOM' };
    default:
      return { lbPolicy: fallback };
  }
}

/** undefined when the cluster does not exist. */
export function buildCluster(mesh: MeshModel, config: IstioConfigIndex, key: ClusterKey, proxyless: boolean): EdsClusterInput | undefined {
  const hasPort = mesh.serviceInstances(key.host).some((s) => s.ports.some((p) => p.port === key.port));
  if (!hasPort) return undefined;
  if (key.subset && !config.subset(key.host, key.subset)) return undefined;
  return {
    name: clusterName(key.port, key.subset, key.host),
    ...lbOf(config.trafficPolicy(key.host, key.subset), proxyless),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  };
}

/** Every cluster name of a host: each port, bare and per subset. */
export function clusterKeysOf(mesh: MeshModel, config: IstioConfigIndex, host: Hostname): ClusterKey[] {
  const ports = new Set<number>();
  for (const svc of mesh.serviceInstances(host)) for (const p of svc.ports) ports.add(p.port);
  const subsets = ['', ...(config.destinationRule(host)?.subsets.map((s) => s.name) ?? [])];
  const keys: ClusterKey[] = [];
  for (const port of [...ports].sort((a, b) => a - b)) for (const subset of subsets) keys.push({ port, subset, host });
  return keys;
}
