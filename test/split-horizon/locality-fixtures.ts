// Builders for locality load balancing tests: a DestinationRule-like setting in, a plan per priority out.
import type { LocalityLbSetting, OutlierDetection } from '../../src/model/istio-config.js';
import type { Gateway, NetworkId } from '../../src/model/types.js';
import {
  failoverView,
  ISTIO_DEFAULT_MESH_LOCALITY_LB,
  resolveLocalityLb,
  splitHorizon,
  type AssignmentEndpoint,
  type AssignmentPlan,
  type CallerFacts,
  type LocalityLbPolicy,
} from '../../src/split-horizon/index.js';

export function setting(s: Partial<LocalityLbSetting>): LocalityLbSetting {
  return { distribute: [], failover: [], failoverPriority: [], ...s };
}

export const OUTLIER: OutlierDetection = { consecutive5xxErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 30000 };

export function caller(network: NetworkId, region = '', zone = '', subzone = '', labels: Record<string, string> = {}, cluster = ''): CallerFacts {
  return { network, cluster, locality: { region, zone, subzone }, labels };
}

export interface PlanOptions {
  /** The DestinationRule's localityLbSetting (undefined: none, the mesh default applies). */
  lb?: LocalityLbSetting;
  outlier?: boolean;
  mesh?: LocalityLbSetting;
  caller: CallerFacts;
}

export function policyOf(o: Omit<PlanOptions, 'caller'>): LocalityLbPolicy {
  return resolveLocalityLb(
    { ...(o.lb ? { loadBalancer: { localityLbSetting: o.lb } } : {}), ...(o.outlier === false ? {} : { outlierDetection: OUTLIER }) },
    'mesh' in o ? o.mesh : ISTIO_DEFAULT_MESH_LOCALITY_LB,
  );
}

export function planFor(endpoints: AssignmentEndpoint[], gateways: Map<NetworkId, Gateway[]>, o: PlanOptions): AssignmentPlan {
  const policy = policyOf(o);
  return splitHorizon({ endpoints, gateways, view: { network: o.caller.network }, locality: { policy, view: failoverView(o.caller, policy) } });
}

/** Per priority, the sent addresses (gateways as `gw <address>`), sorted: compact to assert on. */
export function levels(plan: AssignmentPlan): string[][] {
  const out: string[][] = [];
  for (const g of plan.groups) {
    const list = (out[g.priority] ??= []);
    for (const e of g.lbEndpoints) list.push(e.kind === 'gateway' ? `gw ${e.address}` : e.address);
  }
  return out.map((l) => l.sort());
}

/** Per priority, each address's share of that priority's weight for Envoy (endpoint weights), as a number. */
export function envoyLevelShares(plan: AssignmentPlan): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  const totals: number[] = [];
  for (const g of plan.groups) for (const e of g.lbEndpoints) totals[g.priority] = (totals[g.priority] ?? 0) + e.loadBalancingWeight;
  for (const g of plan.groups) {
    const m = (out[g.priority] ??= new Map());
    for (const e of g.lbEndpoints) m.set(e.address, e.loadBalancingWeight / totals[g.priority]!);
  }
  return out;
}

/** The same for proxyless gRPC: a locality by its weight, then round robin inside it. */
export function grpcLevelShares(plan: AssignmentPlan): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  const totals: number[] = [];
  for (const g of plan.groups) totals[g.priority] = (totals[g.priority] ?? 0) + g.loadBalancingWeight;
  for (const g of plan.groups) {
    const m = (out[g.priority] ??= new Map());
    for (const e of g.lbEndpoints) m.set(e.address, g.loadBalancingWeight / totals[g.priority]! / g.lbEndpoints.length);
  }
  return out;
}
