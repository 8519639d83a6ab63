// One priority level of an assignment: its direct endpoints grouped by locality, and the gateways placed
// at this level standing for the remote endpoints of this level, with integral weights that split right
// for Envoy (endpoint weights) and proxyless gRPC (locality weights, then round robin) alike.
//
// - Each endpoint counts one weight unit (under `distribute`, the units its locality's share gives it).
// - A remote endpoint's units are split evenly over the gateways of its route placed at this level; a
//   route with none here is hidden (its endpoints are reached through a gateway placed at a higher
//   priority, since an address can appear only once per assignment).
// - Every weight is multiplied by the LCM of the gateway counts used (so splits stay integral), divided by
//   the GCD of all weights, and capped to uint32 (capWeights) only for absurd gateway-count mixes.
// - Direct groups: one per pod locality (equal units inside a locality). Gateway groups: per network, one
//   per distinct gateway weight, so every group is uniform and its weight is the sum of its endpoints'.
import type { Gateway, NetworkId } from '../model/types.js';
import { compare, compareGateways, gatewayKey } from './gateway-index.js';
import { claimUniqueLocality, compareLocality, gatewaySubzone, localityKey, SharedRegionZone } from './localities.js';
import type { AssignmentEndpoint, DirectLbEndpoint, GatewayLbEndpoint, LocalityGroup, NetworkShare } from './types.js';
import { capWeights, fraction, gcdOf, lcm, MAX_TOTAL_WEIGHT } from './weights.js';

/** Remote endpoints of one level that share one set of gateways (same network, and same cluster when it has its own). */
export interface Route {
  via: readonly Gateway[];
  network: NetworkId;
  endpoints: number;
  /** Sum of the endpoints' weight units; undefined = one unit each. */
  units?: bigint;
  localities: SharedRegionZone;
}

export interface LevelInput {
  priority: number;
  /** Sorted here, in place. */
  direct: AssignmentEndpoint[];
  /** Weight units of each direct endpoint, by localityKey (distribute); absent = one each. */
  directUnits?: ReadonlyMap<string, bigint>;
  routes: Iterable<Route>;
  /** Gateways placed at another level are left out of this one; absent = every gateway is placed here. */
  placedHere?: (gateway: Gateway) => boolean;
}

export interface Level {
  groups: LocalityGroup[];
  scale: bigint;
  divisor: bigint;
  capped: boolean;
  totalWeight: number;
  networks: NetworkShare[];
  /** Remote endpoints whose traffic gateways of this level carry. */
  viaGateways: number;
  /** Remote endpoints of this level none of whose gateways is placed here. */
  hidden: number;
}

type EndpointIdentity = Pick<AssignmentEndpoint, 'address' | 'port' | 'cluster' | 'network' | 'podName'>;

/** Where an endpoint is and whose it is: the first keys of every endpoint ordering here. */
export function compareIdentity(a: EndpointIdentity, b: EndpointIdentity): number {
  return compare(a.address, b.address) || a.port - b.port || compare(a.cluster, b.cluster) || compare(a.network, b.network) || compare(a.podName ?? '', b.podName ?? '');
}

function compareEndpoints(a: AssignmentEndpoint, b: AssignmentEndpoint): number {
  return compareIdentity(a, b) || compare(a.health, b.health) || compareLocality(a.locality, b.locality);
}

interface GatewayUse {
  gateway: Gateway;
  network: NetworkId;
  /** Sum over the routes using it of (scale / gateways of the route here) * the route's units. */
  weight: bigint;
  endpoints: number;
  localities: SharedRegionZone;
}

interface NetworkTally {
  mode: NetworkShare['mode'];
  endpoints: number;
  /** A Number is exact: every level's total weight is within uint32. */
  weight: number;
}

// Comparators at module level: one function object, not a new closure per call.
const byFirstLocality = (a: [string, readonly AssignmentEndpoint[]], b: [string, readonly AssignmentEndpoint[]]) => compareLocality(a[1][0]!.locality, b[1][0]!.locality);
const heaviestFirst = (a: [number, unknown], b: [number, unknown]) => b[0] - a[0];
const byGateway = (a: GatewayUse, b: GatewayUse) => compareGateways(a.gateway, b.gateway);
const byKey = (a: [string, unknown], b: [string, unknown]) => compare(a[0], b[0]);

function tally(shares: Map<NetworkId, NetworkTally>, network: NetworkId, mode: NetworkShare['mode']): NetworkTally {
  let s = shares.get(network);
  if (!s) shares.set(network, (s = { mode, endpoints: 0, weight: 0 }));
  return s;
}

export function buildLevel(input: LevelInput): Level {
  const { direct, directUnits, placedHere, priority } = input;
  direct.sort(compareEndpoints);

  // The routes served at this level, and the scale that keeps every split integral.
  let scale = 1n;
  let viaGateways = 0;
  let hidden = 0;
  // Parallel lists: the routes served here and the gateways each uses here.
  const served: Route[] = [];
  const servedVia: (readonly Gateway[])[] = [];
  for (const route of input.routes) {
    const via = placedHere ? route.via.filter(placedHere) : route.via;
    if (via.length === 0) {
      hidden += route.endpoints;
      continue;
    }
    viaGateways += route.endpoints;
    scale = lcm(scale, BigInt(via.length));
    served.push(route);
    servedVia.push(via);
  }
  const uses = new Map<string, GatewayUse>();
  for (let r = 0; r < served.length; r++) {
    const route = served[r]!;
    const via = servedVia[r]!;
    const part = (scale / BigInt(via.length)) * (route.units ?? BigInt(route.endpoints));
    for (const gateway of via) {
      const key = gatewayKey(gateway);
      let use = uses.get(key);
      if (!use) uses.set(key, (use = { gateway, network: route.network, weight: 0n, endpoints: 0, localities: new SharedRegionZone() }));
      use.weight += part;
      use.endpoints += route.endpoints;
      use.localities.merge(route.localities);
    }
  }

  // Direct endpoints by locality.
  const directByLocality = new Map<string, AssignmentEndpoint[]>();
  for (const ep of direct) {
    const key = localityKey(ep.locality);
    let list = directByLocality.get(key);
    if (!list) directByLocality.set(key, (list = []));
    list.push(ep);
  }
  // Reduce, then cap at uint32.
  const weights: bigint[] = [];
  if (directUnits) for (const key of directByLocality.keys()) weights.push(directUnits.get(key)! * scale);
  else if (direct.length > 0) weights.push(scale);
  for (const u of uses.values()) weights.push(u.weight);
  const divisor = gcdOf(weights) || 1n;
  let total = 0n;
  if (directUnits) for (const [key, members] of directByLocality) total += ((directUnits.get(key)! * scale) / divisor) * BigInt(members.length);
  else total = (scale / divisor) * BigInt(direct.length);
  for (const use of uses.values()) total += use.weight / divisor;
  const cap = capWeights(total, BigInt(direct.length + uses.size));
  const capped = total > MAX_TOTAL_WEIGHT;

  const groups: LocalityGroup[] = [];
  const shares = new Map<NetworkId, NetworkTally>();
  const taken = new Set<string>(directByLocality.keys());
  const directGroups = [...directByLocality.entries()];
  if (directGroups.length > 1) directGroups.sort(byFirstLocality);
  const evenWeight = directUnits ? 0 : Number(cap(scale / divisor));
  for (const [key, members] of directGroups) {
    const w = directUnits ? Number(cap((directUnits.get(key)! * scale) / divisor)) : evenWeight;
    const lbEndpoints: DirectLbEndpoint[] = new Array(members.length);
    for (let i = 0; i < members.length; i++) {
      const ep = members[i]!;
      const e: DirectLbEndpoint = { kind: 'direct', address: ep.address, port: ep.port, loadBalancingWeight: w, network: ep.network, cluster: ep.cluster };
      if (ep.podName !== undefined) e.podName = ep.podName;
      lbEndpoints[i] = e;
      const t = tally(shares, ep.network, 'direct');
      t.endpoints++;
      t.weight += w;
    }
    const l = members[0]!.locality;
    groups.push({ locality: { region: l.region, zone: l.zone, subzone: l.subzone }, loadBalancingWeight: w * members.length, priority, kind: 'direct', lbEndpoints });
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
        lbEndpoints[i] = { kind: 'gateway', address: use.gateway.address, port: use.gateway.port, loadBalancingWeight: weight, gateway: use.gateway, network, endpointCount: use.endpoints };
      }
      groups.push({ locality, loadBalancingWeight: weight * members.length, priority, kind: 'gateway', network, lbEndpoints });
      tally(shares, network, 'gateway').weight += weight * members.length;
    }
  }
  for (const route of served) tally(shares, route.network, 'gateway').endpoints += route.endpoints;

  // Per-network shares, from the weights actually sent.
  let totalWeight = 0;
  for (const g of groups) totalWeight += g.loadBalancingWeight;
  const shareEntries = [...shares.entries()];
  if (shareEntries.length > 1) shareEntries.sort(byKey);
  const networks: NetworkShare[] = [];
  for (const [network, s] of shareEntries) {
    networks.push({ network, mode: s.mode, endpoints: s.endpoints, weight: s.weight, share: fraction(BigInt(s.weight), BigInt(totalWeight)) });
  }
  return { groups, scale, divisor, capped, totalWeight, networks, viaGateways, hidden };
}
