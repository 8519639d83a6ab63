// Clusters: one EDS cluster per service port, and one per DestinationRule subset, with the load
// balancer the DestinationRule asks for where the client can do it. Proxyless gRPC only does
// ROUND_ROBIN and RING_HASH (it rejects a whole response otherwise), so other policies fall back to
// ROUND_ROBIN for it; Envoy gets them as asked, and istiod's default LEAST_REQUEST.
// Outlier detection and locality weighting as istiod sets them (pilot networking/core
// cluster_traffic_policy.go applyOutlierDetection, loadbalancer.go ApplyToCluster), to both client kinds:
// proxyless gRPC accepts them and ignores what it does not implement (see resources/cluster.ts).
import type { MeshModel } from '../../mesh/mesh-model.js';
import type { OutlierDetection, TrafficPolicyFields } from '../../model/istio-config.js';
import type { Hostname } from '../../model/types.js';
import type { LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import type { EdsClusterInput, LbPolicyName, OutlierDetectionInput } from '../resources/cluster.js';
import type { IstioConfigIndex } from './istio-config-index.js';
import { clusterName, type ClusterKey } from './names.js';

/** istiod's default connect timeout. */
const CONNECT_TIMEOUT_MS = 10_000;

export function lbOf(policy: TrafficPolicyFields | undefined, proxyless: boolean): Pick<EdsClusterInput, 'lbPolicy' | 'ringHash'> {
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

/**
 * istiod's mapping: consecutive 5xx and gateway errors enforced at 100 % when their count is positive,
 * success-rate ejection off (enforcing 0), local-origin failures only with splitExternalLocalOriginErrors.
 * outlierDetectionHttpErrorCodes is not mapped (istiod 1.31 does not map it either).
 */
export function envoyOutlierDetection(od: OutlierDetection): OutlierDetectionInput {
  const out: OutlierDetectionInput = { enforcingSuccessRate: 0 };
  if (od.consecutive5xxErrors !== undefined) {
    out.consecutive5xx = od.consecutive5xxErrors;
    out.enforcingConsecutive5xx = od.consecutive5xxErrors > 0 ? 100 : 0;
  }
  if (od.consecutiveGatewayErrors !== undefined) {
    out.consecutiveGatewayFailure = od.consecutiveGatewayErrors;
    out.enforcingConsecutiveGatewayFailure = od.consecutiveGatewayErrors > 0 ? 100 : 0;
  }
  if (od.intervalMs !== undefined) out.intervalMs = od.intervalMs;
  if (od.baseEjectionTimeMs !== undefined) out.baseEjectionTimeMs = od.baseEjectionTimeMs;
  if ((od.maxEjectionPercent ?? 0) > 0) out.maxEjectionPercent = od.maxEjectionPercent!;
  if (od.splitExternalLocalOriginErrors) {
    out.splitExternalLocalOriginErrors = true;
    if ((od.consecutiveLocalOriginFailures ?? 0) > 0) {
      out.consecutiveLocalOriginFailure = od.consecutiveLocalOriginFailures!;
      out.enforcingConsecutiveLocalOriginFailure = 100;
    }
    out.enforcingLocalOriginSuccessRate = 0;
  }
  return out;
}

/**
 * istiod sets locality_weighted_lb_config when `distribute` is in force, or failover is (outlier
 * detection) with `failover` or `failoverPriority` written; not for the plain region/zone ordering that
 * outlier detection alone turns on. Horizon's endpoint weights carry the same shares as its locality
 * weights, so Envoy balances the same either way; this keeps the Cluster as istiod sends it.
 */
export function localityWeighted(lb: LocalityLbPolicy): boolean {
  if (lb.mode === 'distribute') return true;
  return lb.mode === 'failover' && (lb.failover.length > 0 || lb.failoverPriority.length > 0);
}

/** undefined when the cluster does not exist. */
export function buildCluster(mesh: MeshModel, config: IstioConfigIndex, key: ClusterKey, proxyless: boolean): EdsClusterInput | undefined {
  const hasPort = mesh.serviceInstances(key.host).some((s) => s.ports.some((p) => p.port === key.port));
  if (!hasPort) return undefined;
  if (key.subset && !config.subset(key.host, key.subset)) return undefined;
  const policy = config.trafficPolicy(key.host, key.port, key.subset);
  const out: EdsClusterInput = {
    name: clusterName(key.port, key.subset, key.host),
    ...lbOf(policy, proxyless),
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
  };
  const od = policy?.outlierDetection;
  if (od) {
    out.outlierDetection = envoyOutlierDetection(od);
    // istiod always sets it with outlier detection, 0 (panic off) unless minHealthPercent says otherwise.
    out.healthyPanicThreshold = od.minHealthPercent ?? 0;
  }
  if (localityWeighted(config.localityLb(key))) out.localityWeighted = true;
  return out;
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
