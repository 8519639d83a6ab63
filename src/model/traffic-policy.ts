// The traffic policy in force for one cluster (service port, optional subset) of a DestinationRule, merged
// as istiod merges it (pilot MergeSubsetTrafficPolicy):
// - a port-level policy for the port replaces the enclosing policy's fields wholesale (fields it omits
//   fall back to defaults, they are not inherited);
// - a subset's policy (or its port-level one) then overrides the rule's field by field: loadBalancer as
//   a whole, outlierDetection as a whole; a subset port-level policy replaces both even where it omits them.
import type { DestinationRule, TrafficPolicy, TrafficPolicyFields } from './istio-config.js';

function forPort(policy: TrafficPolicy | undefined, port: number): { policy: TrafficPolicyFields | undefined; portLevel: boolean } {
  if (!policy) return { policy: undefined, portLevel: false };
  // The first entry for the port wins, as in istiod.
  const p = policy.portLevelSettings?.find((s) => s.port === port);
  if (!p) return { policy, portLevel: false };
  const out: TrafficPolicyFields = {};
  if (p.loadBalancer) out.loadBalancer = p.loadBalancer;
  if (p.outlierDetection) out.outlierDetection = p.outlierDetection;
  return { policy: out, portLevel: true };
}

export function effectiveTrafficPolicy(dr: DestinationRule | undefined, port: number, subset?: string): TrafficPolicyFields | undefined {
  if (!dr) return undefined;
  const base = forPort(dr.trafficPolicy, port).policy;
  const sub = subset ? dr.subsets.find((s) => s.name === subset)?.trafficPolicy : undefined;
  if (!sub) return base;
  const { policy: override, portLevel } = forPort(sub, port);
  if (!base) return override;
  const merged: TrafficPolicyFields = {};
  const loadBalancer = override?.loadBalancer !== undefined || portLevel ? override?.loadBalancer : base.loadBalancer;
  const outlierDetection = override?.outlierDetection !== undefined || portLevel ? override?.outlierDetection : base.outlierDetection;
  if (loadBalancer) merged.loadBalancer = loadBalancer;
  if (outlierDetection) merged.outlierDetection = outlierDetection;
  return merged;
}
