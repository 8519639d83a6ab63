// How each kind of xDS client spreads its calls over a ClusterLoadAssignment, so two servers' answers can
// be compared by what they do to traffic rather than by their bytes (Horizon and istiod choose different
// weights, localities and orders for the same split). Pure: a received assignment in, shares out.
//
// - Envoy (a sidecar): the endpoints of the highest-priority group that has usable ones, picked by
//   endpoint weight (default 1); locality weights are ignored (no locality_weighted_lb_config, which
//   neither server sets). An address listed twice is one host: Envoy keeps the first (istio/istio#56355).
// - Proxyless gRPC (grpc-go, grpc-js): a locality of that priority by its locality weight (a locality
//   without weight is skipped), then round robin inside it: endpoint weights are ignored.
// Usable = health UNKNOWN or HEALTHY (what both clients send traffic to).
import type { DecodedClusterLoadAssignment, DecodedLbEndpoint } from '../xds/resources/index.js';

export type ClientKind = 'envoy' | 'proxyless';

const usable = (e: DecodedLbEndpoint): boolean => e.healthStatus === 'UNKNOWN' || e.healthStatus === 'HEALTHY';
export const endpointKey = (e: { address: string; port: number }): string => (e.address.includes(':') ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);

/** The groups of the priority a client uses: the lowest priority number with a usable endpoint. */
function activeGroups(cla: DecodedClusterLoadAssignment) {
  const priorities = [...new Set(cla.endpoints.filter((g) => g.lbEndpoints.some(usable)).map((g) => g.priority))].sort((a, b) => a - b);
  const p = priorities[0];
  return p === undefined ? [] : cla.endpoints.filter((g) => g.priority === p);
}

/**
 * Share of the calls (0..1) each `address:port` receives from a client of this kind; empty when none is
 * usable. Two options count what a server meant rather than what the client does, so a test can tell a
 * known defect from anything else: `countDuplicates` (Envoy) counts every listing of an address, not
 * the first only (istio/istio#56355); `endpointWeightsInLocality` (proxyless) splits a locality by
 * endpoint weight, where gRPC round-robins and ignores them.
 */
export function addressShares(cla: DecodedClusterLoadAssignment, kind: ClientKind, opts: { countDuplicates?: boolean; endpointWeightsInLocality?: boolean } = {}): Map<string, number> {
  const out = new Map<string, number>();
  const groups = activeGroups(cla);
  if (kind === 'envoy') {
    const hosts = new Map<string, number>();
    for (const g of groups) {
      for (const e of g.lbEndpoints) {
        const key = endpointKey(e);
        if (!usable(e) || (hosts.has(key) && !opts.countDuplicates)) continue;
        hosts.set(key, (hosts.get(key) ?? 0) + (e.loadBalancingWeight ?? 1));
      }
    }
    const total = [...hosts.values()].reduce((s, w) => s + w, 0);
    for (const [key, w] of hosts) if (total > 0) out.set(key, w / total);
    return out;
  }
  const weighted = groups.map((g) => ({ weight: g.loadBalancingWeight ?? 0, endpoints: g.lbEndpoints.filter(usable) })).filter((g) => g.weight > 0 && g.endpoints.length > 0);
  const total = weighted.reduce((s, g) => s + g.weight, 0);
  for (const g of weighted) {
    const inGroup = opts.endpointWeightsInLocality ? g.endpoints.reduce((s, e) => s + (e.loadBalancingWeight ?? 1), 0) : g.endpoints.length;
    for (const e of g.endpoints) {
      const key = endpointKey(e);
      const part = opts.endpointWeightsInLocality ? (e.loadBalancingWeight ?? 1) : 1;
      out.set(key, (out.get(key) ?? 0) + (g.weight / total) * (part / inGroup));
    }
  }
  return out;
}

/** Sums address shares by a classification (e.g. the network each address leads to). */
export function sharesBy(shares: ReadonlyMap<string, number>, classify: (endpoint: string) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, s] of shares) {
    const c = classify(key);
    out.set(c, (out.get(c) ?? 0) + s);
  }
  return out;
}
