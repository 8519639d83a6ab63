// Split-horizon EDS: which endpoints a caller on one network gets for one ClusterLoadAssignment, through
// which gateway, with which weight. Pure: no I/O, no clock, output independent of input order.
//
// Rules (istiod's, with its known defects fixed):
// - Terminating and unhealthy endpoints are never sent and never counted.
// - REQUESTED_NETWORK_VIEW: endpoints on networks outside the list are left out. As in istiod, an
//   endpoint whose network is unknown ('') always stays visible, and the caller's own network is NOT
//   implied (a caller that lists only other networks does not see its own). Unlike istiod, the view
//   also applies when no gateway exists (istiod skips the whole filter then, view included).
// - No gateway known anywhere: multi-network is off; every endpoint is sent directly.
// - An endpoint on the caller's network, or on an unknown network, is sent directly (pod address).
// - An endpoint on another network is replaced by that network's gateways (those in the endpoint's own
//   cluster when there are any, else all of the network's, as istiod prefers same-cluster gateways)
//   and its weight is split evenly over them. A caller without a network goes through gateways too.
// - An endpoint on another network with no gateway is left out ('no-gateway'). istiod (sidecar mode)
//   sends its pod IP anyway, which the caller cannot reach.
// - Each gateway address:port appears once in the whole assignment with its full weight (istiod emits
//   it once per locality group and Envoy keeps only the first: istio/istio#56355).
// - Weights: every sent endpoint counts 1, so the expected share of a network is its share of the
//   sent endpoints. Envoy balances by endpoint weight across all groups; proxyless gRPC picks a group
//   by its load_balancing_weight and then round-robins inside it ignoring endpoint weights. Both come
//   out the same because every group's weight is the sum of its endpoint weights and all endpoints in
//   a group have the same weight: direct endpoints are grouped by locality, gateways of a network form
//   their own group(s), split further only when their weights differ.
// - Integral weights: every weight is multiplied by the LCM of the gateway counts actually used (so a
//   split over k gateways stays exact), then divided by the GCD of all weights. If the total still
//   exceeds uint32 (only with absurd gateway-count mixes), weights are scaled down (see capWeights)
//   and `explain.capped` says so.
// - istiod also drops cross-network endpoints that are not mTLS-capable, because its gateways route
//   by SNI. Horizon's gateways route by authority (proxyless gRPC has no sidecar), so it does not.
import type { ClusterId, Gateway, NetworkId } from '../model/types.js';
import { claimUniqueLocality, compareLocality, gatewaySubzone, localityKey, SharedRegionZone } from './localities.js';
import type {
  AssignmentEndpoint,
  AssignmentPlan,
  DirectLbEndpoint,
  ExcludedEndpoint,
  GatewayLbEndpoint,
  LocalityGroup,
  NetworkShare,
  SplitHorizonInput,
} from './types.js';
import { capWeights, fraction, gcdOf, lcm, MAX_TOTAL_WEIGHT } from './weights.js';

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type EndpointIdentity = Pick<AssignmentEndpoint, 'address' | 'port' | 'cluster' | 'network' | 'podName'>;

/** Where an endpoint is and whose it is: the first keys of every endpoint ordering here. */
function compareIdentity(a: EndpointIdentity, b: EndpointIdentity): number {
  return compare(a.address, b.address) || a.port - b.port || compare(a.cluster, b.cluster) || compare(a.network, b.network) || compare(a.podName ?? '', b.podName ?? '');
}

function compareEndpoints(a: AssignmentEndpoint, b: AssignmentEndpoint): number {
  return compareIdentity(a, b) || compare(a.health, b.health) || compareLocality(a.locality, b.locality);
}

function compareGateways(a: Gateway, b: Gateway): number {
  return compare(a.address, b.address) || a.port - b.port || compare(a.cluster, b.cluster) || compare(a.origin, b.origin);
}

const gatewayKey = (gw: { address: string; port: number }) => `${gw.address}|${gw.port}`;

interface NetworkGateways {
  all: Gateway[];
  byCluster: Map<ClusterId, Gateway[]>;
}

interface GatewayIndex {
  byNetwork: Map<NetworkId, NetworkGateways>;
  ignored: { gateway: Gateway; reason: string }[];
}

/**
 * indexGateways of each gateways map seen, for as long as the map lives. The map is a topology
 * snapshot's (immutable, shared by every assignment until the topology changes), so this is a memo of a
 * pure function: same map, same index.
 */
const gatewayIndexes = new WeakMap<ReadonlyMap<NetworkId, readonly Gateway[]>, GatewayIndex>();

function indexedGateways(gateways: ReadonlyMap<NetworkId, readonly Gateway[]>): GatewayIndex {
  let index = gatewayIndexes.get(gateways);
  if (!index) gatewayIndexes.set(gateways, (index = indexGateways(gateways)));
  return index;
}

/** Sorted, deduplicated gateways per network; an address:port listed twice is used once. */
function indexGateways(gateways: ReadonlyMap<NetworkId, readonly Gateway[]>): GatewayIndex {
  const byNetwork = new Map<NetworkId, NetworkGateways>();
  const ignored: { gateway: Gateway; reason: string }[] = [];
  const owner = new Map<string, NetworkId>();
  for (const network of [...gateways.keys()].sort(compare)) {
    if (network === '') {
      for (const gateway of gateways.get(network)!) ignored.push({ gateway, reason: 'a gateway needs a network name' });
      continue;
    }
    for (const gateway of [...gateways.get(network)!].sort(compareGateways)) {
      const key = gatewayKey(gateway);
      const first = owner.get(key);
      if (first !== undefined) {
        ignored.push({
          gateway,
          reason: first === network ? 'duplicate of another gateway of the same network' : `already the gateway of network ${JSON.stringify(first)}`,
        });
        continue;
      }
      owner.set(key, network);
      let entry = byNetwork.get(network);
      if (!entry) byNetwork.set(network, (entry = { all: [], byCluster: new Map() }));
      entry.all.push(gateway);
      let inCluster = entry.byCluster.get(gateway.cluster);
      if (!inCluster) entry.byCluster.set(gateway.cluster, (inCluster = []));
      inCluster.push(gateway);
    }
  }
  return { byNetwork, ignored };
}

/** Remote endpoints that share one set of gateways (same network, and same cluster when it has its own). */
interface Route {
  via: readonly Gateway[];
  network: NetworkId;
  endpoints: number;
  localities: SharedRegionZone;
}

interface GatewayUse {
  gateway: Gateway;
  network: NetworkId;
  /** Sum over the endpoints using it of scale / (number of gateways that endpoint is split over). */
  weight: bigint;
  endpoints: number;
  localities: SharedRegionZone;
}

// Comparators at module level: one function object, not a new closure per call.
const byFirstLocality = (a: readonly AssignmentEndpoint[], b: readonly AssignmentEndpoint[]) => compareLocality(a[0]!.locality, b[0]!.locality);
const heaviestFirst = (a: [number, unknown], b: [number, unknown]) => b[0] - a[0];
const byGateway = (a: GatewayUse, b: GatewayUse) => compareGateways(a.gateway, b.gateway);
const byKey = (a: [string, unknown], b: [string, unknown]) => compare(a[0], b[0]);

function compareExcluded(a: ExcludedEndpoint, b: ExcludedEndpoint): number {
  return compareIdentity(a, b) || compare(a.reason, b.reason);
}

function excludedEndpoint(ep: AssignmentEndpoint, reason: ExcludedEndpoint['reason'], detail: string): ExcludedEndpoint {
  const out: ExcludedEndpoint = { address: ep.address, port: ep.port, network: ep.network, cluster: ep.cluster, reason, detail };
  if (ep.podName !== undefined) out.podName = ep.podName;
  return out;
}

interface NetworkTally {
  mode: NetworkShare['mode'];
  endpoints: number;
  weight: bigint;
}

function tally(shares: Map<NetworkId, NetworkTally>, network: NetworkId, mode: NetworkShare['mode']): NetworkTally {
  let s = shares.get(network);
  if (!s) shares.set(network, (s = { mode, endpoints: 0, weight: 0n }));
  return s;
}

export function splitHorizon(input: SplitHorizonInput): AssignmentPlan {
  const { view } = input;
  const requested = view.requestedNetworks && view.requestedNetworks.length > 0 ? new Set(view.requestedNetworks) : undefined;
  const { byNetwork: gateways, ignored: ignoredShared } = indexedGateways(input.gateways);
  // A copy: the index is shared, the plan is the caller's.
  const ignored = ignoredShared.length > 0 ? [...ignoredShared] : [];
  const multiNetwork = gateways.size > 0;

  // Classified in input order; only what reaches the output is sorted (remote endpoints are only
  // counted, so the common mostly-remote case sorts little).
  const excluded: ExcludedEndpoint[] = [];
  const direct: AssignmentEndpoint[] = [];
  // Keyed by the gateway list itself: indexGateways hands out one array per network and per cluster.
  const routes = new Map<readonly Gateway[], Route>();


  for (const ep of input.endpoints) {
    if (ep.health === 'terminating') {
      excluded.push(excludedEndpoint(ep, 'terminating', 'terminating endpoints are never sent'));
    } else if (ep.health === 'unhealthy') {
      excluded.push(excludedEndpoint(ep, 'unhealthy', 'not ready'));
    } else if (requested && ep.network !== '' && !requested.has(ep.network)) {
      excluded.push(excludedEndpoint(ep, 'outside-requested-view', `network ${JSON.stringify(ep.network)} is not in REQUESTED_NETWORK_VIEW`));
    } else if (!multiNetwork || ep.network === '' || (view.network !== '' && ep.network === view.network)) {
      direct.push(ep);
    } else {
      const network = gateways.get(ep.network);
      if (!network) {
        excluded.push(
          excludedEndpoint(
            ep,
            'no-gateway',
            view.network === ''
              ? `the caller has no network and network ${JSON.stringify(ep.network)} has no gateway`
              : `network ${JSON.stringify(ep.network)} has no gateway reachable from network ${JSON.stringify(view.network)}`,
          ),
        );
        continue;
      }
      const via = network.byCluster.get(ep.cluster) ?? network.all;
      let route = routes.get(via);
      if (!route) routes.set(via, (route = { via, network: ep.network, endpoints: 0, localities: new SharedRegionZone() }));
      route.endpoints++;
      route.localities.add(ep.locality);
    }
  }

  direct.sort(compareEndpoints);

  // Scale so every split is integral, then accumulate each gateway's weight.
  let scale = 1n;
  for (const { via } of routes.values()) scale = lcm(scale, BigInt(via.length));
  const uses = new Map<string, GatewayUse>();
  for (const route of routes.values()) {
    const part = (scale / BigInt(route.via.length)) * BigInt(route.endpoints);
    for (const gateway of route.via) {
      const key = gatewayKey(gateway);
      let use = uses.get(key);
      if (!use) uses.set(key, (use = { gateway, network: route.network, weight: 0n, endpoints: 0, localities: new SharedRegionZone() }));
      use.weight += part;
      use.endpoints += route.endpoints;
      use.localities.merge(route.localities);
    }
  }

  // Reduce, then cap at uint32.
  const weights: bigint[] = direct.length > 0 ? [scale] : [];
  for (const u of uses.values()) weights.push(u.weight);
  const divisor = gcdOf(weights) || 1n;
  const directWeight = scale / divisor;
  let total = directWeight * BigInt(direct.length);
  for (const use of uses.values()) total += use.weight / divisor;
  const cap = capWeights(total, BigInt(direct.length + uses.size));
  const capped = total > MAX_TOTAL_WEIGHT;

  // Direct groups: one per pod locality.
  const groups: LocalityGroup[] = [];
  const directByLocality = new Map<string, AssignmentEndpoint[]>();
  for (const ep of direct) {
    const key = localityKey(ep.locality);
    let list = directByLocality.get(key);
    if (!list) directByLocality.set(key, (list = []));
    list.push(ep);
  }
  const taken = new Set<string>(directByLocality.keys());
  const directW = Number(cap(directWeight));
  const directGroups = [...directByLocality.values()];
  if (directGroups.length > 1) directGroups.sort(byFirstLocality);
  for (const members of directGroups) {
    const lbEndpoints: DirectLbEndpoint[] = new Array(members.length);
    for (let i = 0; i < members.length; i++) {
      const ep = members[i]!;
      const e: DirectLbEndpoint = { kind: 'direct', address: ep.address, port: ep.port, loadBalancingWeight: directW, network: ep.network, cluster: ep.cluster };
      if (ep.podName !== undefined) e.podName = ep.podName;
      lbEndpoints[i] = e;
    }
    const l = members[0]!.locality;
    groups.push({
      locality: { region: l.region, zone: l.zone, subzone: l.subzone },
      loadBalancingWeight: directW * members.length,
      priority: 0,
      kind: 'direct',
      lbEndpoints,
    });
  }

  // Gateway groups: per network, one per distinct gateway weight (normally exactly one).
  const usesByNetwork = new Map<NetworkId, GatewayUse[]>();
  for (const use of uses.values()) {
    let list = usesByNetwork.get(use.network);
    if (!list) usesByNetwork.set(use.network, (list = []));
    list.push(use);
  }
  for (const network of [...usesByNetwork.keys()].sort(compare)) {
    const byWeight = new Map<number, GatewayUse[]>();
    for (const use of usesByNetwork.get(network)!) {
      const w = Number(cap(use.weight / divisor));
      let list = byWeight.get(w);
      if (!list) byWeight.set(w, (list = []));
      list.push(use);
    }
    // Heaviest class first: deterministic, and the usual single class is unaffected.
    const classes = [...byWeight.entries()];
    if (classes.length > 1) classes.sort(heaviestFirst);
    for (const [weight, members] of classes) {
      if (members.length > 1) members.sort(byGateway);
      const shared = new SharedRegionZone();
      for (const m of members) shared.merge(m.localities);
      const { region, zone } = shared.result();
      const locality = claimUniqueLocality({ region, zone, subzone: gatewaySubzone(network) }, taken);
      const lbEndpoints: GatewayLbEndpoint[] = new Array(members.length);
      for (let i = 0; i < members.length; i++) {
        const use = members[i]!;
        lbEndpoints[i] = {
          kind: 'gateway',
          address: use.gateway.address,
          port: use.gateway.port,
          loadBalancingWeight: weight,
          gateway: use.gateway,
          network,
          endpointCount: use.endpoints,
        };
      }
      groups.push({ locality, loadBalancingWeight: weight * members.length, priority: 0, kind: 'gateway', network, lbEndpoints });
    }
  }

  // Per-network shares, from the weights actually sent.
  let totalSent = 0n;
  for (const g of groups) totalSent += BigInt(g.loadBalancingWeight);
  const shares = new Map<NetworkId, NetworkTally>();
  for (const ep of direct) tally(shares, ep.network, 'direct').endpoints++;
  for (const s of shares.values()) s.weight = BigInt(directW) * BigInt(s.endpoints);
  for (const route of routes.values()) tally(shares, route.network, 'gateway').endpoints += route.endpoints;
  for (const group of groups) if (group.kind === 'gateway') tally(shares, group.network!, 'gateway').weight += BigInt(group.loadBalancingWeight);
  const shareEntries = [...shares.entries()];
  if (shareEntries.length > 1) shareEntries.sort(byKey);
  const networks: NetworkShare[] = [];
  for (const [network, s] of shareEntries) networks.push({ network, mode: s.mode, endpoints: s.endpoints, weight: Number(s.weight), share: fraction(s.weight, totalSent) });

  if (excluded.length > 1) excluded.sort(compareExcluded);

  return {
    groups,
    excluded,
    explain: {
      callerNetwork: view.network,
      requestedNetworks: requested ? [...requested].sort(compare) : undefined,
      multiNetwork,
      scale: scale.toString(),
      divisor: divisor.toString(),
      capped,
      totalWeight: Number(totalSent),
      networks,
      ignoredGateways: ignored,
    },
  };
}
