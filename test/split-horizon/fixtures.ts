// Small builders for split-horizon tests.
import type { EndpointHealth, Gateway, Locality, NetworkId } from '../../src/model/types.js';
import type { AssignmentEndpoint, AssignmentPlan, PlannedLbEndpoint } from '../../src/split-horizon/index.js';

export function locality(region = '', zone = '', subzone = ''): Locality {
  return { region, zone, subzone };
}

export function ep(
  address: string,
  network: NetworkId,
  opts: { cluster?: string; health?: EndpointHealth; locality?: Locality; pod?: string; port?: number; labels?: Record<string, string>; node?: string } = {},
): AssignmentEndpoint {
  return {
    address,
    port: opts.port ?? 5000,
    network,
    cluster: opts.cluster ?? `cluster-${network || 'x'}`,
    locality: opts.locality ?? locality('region1', 'zone1'),
    health: opts.health ?? 'healthy',
    ...(opts.pod !== undefined ? { podName: opts.pod } : {}),
    ...(opts.labels !== undefined ? { labels: opts.labels } : {}),
    ...(opts.node !== undefined ? { nodeName: opts.node } : {}),
  };
}

export function gw(network: NetworkId, address: string, opts: { cluster?: string; port?: number } = {}): Gateway {
  return {
    network,
    address,
    port: opts.port ?? 15443,
    cluster: opts.cluster ?? `cluster-${network}`,
    source: 'service',
    origin: `test ${network}`,
  };
}

export function gateways(...list: Gateway[]): Map<NetworkId, Gateway[]> {
  const out = new Map<NetworkId, Gateway[]>();
  for (const g of list) out.set(g.network, [...(out.get(g.network) ?? []), g]);
  return out;
}

export function allLbEndpoints(plan: AssignmentPlan): PlannedLbEndpoint[] {
  return plan.groups.flatMap((g) => g.lbEndpoints);
}

/** `address:port=weight` of every sent endpoint, in plan order: compact to assert on. */
export function sent(plan: AssignmentPlan): string[] {
  return allLbEndpoints(plan).map((e) => `${e.kind === 'gateway' ? 'gw ' : ''}${e.address}:${e.port}=${e.loadBalancingWeight}`);
}

/** Envoy's view: share of each network = its endpoint weights / all endpoint weights, as "a/b". */
export function envoyShares(plan: AssignmentPlan): Map<NetworkId, number> {
  const total = allLbEndpoints(plan).reduce((s, e) => s + e.loadBalancingWeight, 0);
  const out = new Map<NetworkId, number>();
  for (const e of allLbEndpoints(plan)) out.set(e.network, (out.get(e.network) ?? 0) + e.loadBalancingWeight / total);
  return out;
}
