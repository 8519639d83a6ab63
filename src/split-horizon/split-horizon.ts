// Split-horizon EDS: which endpoints a caller on one network gets for one ClusterLoadAssignment, through
// which gateway, at which priority, with which weight. Pure: no I/O, no clock, output independent of
// input order.
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
// - Each gateway address:port appears once in the whole assignment (istiod emits it once per locality
//   group and Envoy keeps only the first: istio/istio#56355; grpc-go NACKs duplicates).
// - Weights: see assignment-level.ts. Every sent endpoint counts 1, so without locality load balancing a
//   network's expected share is its share of the sent endpoints, for Envoy and proxyless gRPC alike.
// - istiod also drops cross-network endpoints that are not mTLS-capable, because its gateways route
//   by SNI. Horizon's gateways route by authority (proxyless gRPC has no sidecar), so it does not.
//
// Locality load balancing (input.locality; see locality-lb-policy.ts for when which mode applies):
// - distribute: the caller's rule gives each `to` locality its share, split evenly over the sent
//   endpoints there (behind gateways too); endpoints in no `to` locality are left out
//   ('not-in-distribute'), as Istio's docs say ("any locality not present will receive no traffic").
//   All at priority 0, as in istiod.
// - failover: every sent endpoint, remote ones included, is ranked with ITS OWN locality and labels
//   (priority-rank.ts), so failoverPriority works across networks (istiod ranks a gateway with the
//   gateway's empty labels: istio/istio#49500). A gateway is placed once, at the best rank of the remote
//   endpoints it stands for, carrying only those endpoints' weight; remote endpoints of worse ranks behind
//   the same gateway are reached only through it, when its priority is chosen (the gateway does its own
//   balancing over its network). Ranks left with something to send become priorities 0..N, each level
//   weighted as a whole assignment of its own.
import type { Gateway } from '../model/types.js';
import { localityMatches } from '../model/locality.js';
import { buildLevel, compareIdentity, type Level, type Route } from './assignment-level.js';
import { compare, indexedGateways, type GatewayIndex } from './gateway-index.js';
import { localityKey, SharedRegionZone } from './localities.js';
import type { DistributeRule } from './locality-lb-policy.js';
import { describeRank, failoverRanker } from './priority-rank.js';
import type {
  AssignmentEndpoint,
  AssignmentPlan,
  ExcludedEndpoint,
  LocalityGroup,
  LocalityLbExplanation,
  PlanExplanation,
  PriorityLevelExplanation,
  SplitHorizonInput,
} from './types.js';
import { gcdOf, lcm } from './weights.js';

function compareExcluded(a: ExcludedEndpoint, b: ExcludedEndpoint): number {
  return compareIdentity(a, b) || compare(a.reason, b.reason);
}

function excludedEndpoint(ep: AssignmentEndpoint, reason: ExcludedEndpoint['reason'], detail: string): ExcludedEndpoint {
  const out: ExcludedEndpoint = { address: ep.address, port: ep.port, network: ep.network, cluster: ep.cluster, reason, detail };
  if (ep.podName !== undefined) out.podName = ep.podName;
  return out;
}

const DIRECT = 'direct';
const EXCLUDED = 'excluded';
type Destination = readonly Gateway[] | typeof DIRECT | typeof EXCLUDED;

/** What every endpoint's destination depends on, worked out once per plan. */
interface Classifier {
  view: SplitHorizonInput['view'];
  requested: ReadonlySet<string> | undefined;
  gateways: GatewayIndex;
  multiNetwork: boolean;
  excluded: ExcludedEndpoint[];
}

function classifier(input: SplitHorizonInput): Classifier {
  const { view } = input;
  const requested = view.requestedNetworks && view.requestedNetworks.length > 0 ? new Set(view.requestedNetworks) : undefined;
  const gateways = indexedGateways(input.gateways);
  return { view, requested, gateways, multiNetwork: gateways.byNetwork.size > 0, excluded: [] };
}

/** Where an endpoint goes for this caller: directly, through these gateways, or nowhere (recorded in `excluded`). */
function destinationOf(ep: AssignmentEndpoint, c: Classifier): Destination {
  // The common case first, small enough to be inlined into the loops.
  if (ep.health === 'healthy' && c.requested === undefined) {
    if (!c.multiNetwork || ep.network === '' || (c.view.network !== '' && ep.network === c.view.network)) return DIRECT;
    const network = c.gateways.byNetwork.get(ep.network);
    if (network) return network.byCluster.get(ep.cluster) ?? network.all;
  }
  return classify(ep, c);
}

function classify(ep: AssignmentEndpoint, c: Classifier): Destination {
  const { view, requested, excluded } = c;
  if (ep.health === 'terminating') {
    excluded.push(excludedEndpoint(ep, 'terminating', 'terminating endpoints are never sent'));
  } else if (ep.health === 'unhealthy') {
    excluded.push(excludedEndpoint(ep, 'unhealthy', 'not ready'));
  } else if (requested && ep.network !== '' && !requested.has(ep.network)) {
    excluded.push(excludedEndpoint(ep, 'outside-requested-view', `network ${JSON.stringify(ep.network)} is not in REQUESTED_NETWORK_VIEW`));
  } else if (!c.multiNetwork || ep.network === '' || (view.network !== '' && ep.network === view.network)) {
    return DIRECT;
  } else {
    const network = c.gateways.byNetwork.get(ep.network);
    if (network) return network.byCluster.get(ep.cluster) ?? network.all;
    excluded.push(
      excludedEndpoint(
        ep,
        'no-gateway',
        view.network === ''
          ? `the caller has no network and network ${JSON.stringify(ep.network)} has no gateway`
          : `network ${JSON.stringify(ep.network)} has no gateway reachable from network ${JSON.stringify(view.network)}`,
      ),
    );
  }
  return EXCLUDED;
}

/** Counts a remote endpoint into the route of its gateway list (one array per network and per cluster, so a Map key). */
function addToRoute(routes: Map<readonly Gateway[], Route>, via: readonly Gateway[], ep: AssignmentEndpoint): Route {
  let route = routes.get(via);
  if (!route) routes.set(via, (route = { via, network: ep.network, endpoints: 0, localities: new SharedRegionZone() }));
  route.endpoints++;
  route.localities.add(ep.locality);
  return route;
}

function explanation(c: Classifier, first: Level, capped: boolean, localityLb: LocalityLbExplanation | undefined): PlanExplanation {
  const { ignored } = c.gateways;
  const out: PlanExplanation = {
    callerNetwork: c.view.network,
    requestedNetworks: c.requested ? [...c.requested].sort(compare) : undefined,
    multiNetwork: c.multiNetwork,
    scale: first.scale.toString(),
    divisor: first.divisor.toString(),
    capped,
    totalWeight: first.totalWeight,
    networks: first.networks,
    // A copy: the index is shared, the plan is the caller's.
    ignoredGateways: ignored.length > 0 ? [...ignored] : [],
  };
  if (localityLb) out.localityLb = localityLb;
  return out;
}

export function splitHorizon(input: SplitHorizonInput): AssignmentPlan {
  const policy = input.locality?.policy;
  if (policy && policy.mode !== 'off') return leveledPlan(input);

  // One level, every endpoint one unit: the hot path, kept lean.
  const c = classifier(input);
  const direct: AssignmentEndpoint[] = [];
  const routes = new Map<readonly Gateway[], Route>();
  for (const ep of input.endpoints) {
    const to = destinationOf(ep, c);
    if (to === DIRECT) direct.push(ep);
    else if (to !== EXCLUDED) addToRoute(routes, to, ep);
  }
  const level = buildLevel({ priority: 0, direct, routes: routes.values() });
  const { excluded } = c;
  if (excluded.length > 1) excluded.sort(compareExcluded);
  const off: LocalityLbExplanation | undefined = policy ? { mode: 'off', reason: policy.reason, viewKey: '' } : undefined;
  return { groups: level.groups, excluded, explain: explanation(c, level, level.capped, off) };
}

interface RankBucket {
  rank: number;
  direct: AssignmentEndpoint[];
  routes: Map<readonly Gateway[], Route>;
}

/** distribute: each sent endpoint's weight units, by the `to` entry its locality falls in. */
interface DistributeState {
  rule: DistributeRule;
  /** Per `to` entry: sent endpoints there. */
  counts: number[];
  /** Per route: its endpoints per `to` entry. */
  routeCounts: Map<Route, number[]>;
  /** The `to` entry of each locality with direct endpoints, by localityKey. */
  directEntries: Map<string, number>;
}

/**
 * An endpoint of entry k weighs weight_k / (sent endpoints of k), made integral (times the LCM of the
 * counts, over the GCD of the results): sets each route's units, returns the direct endpoints' by locality.
 */
function distributeUnits(d: DistributeState): Map<string, bigint> {
  const common = d.counts.reduce((acc, n) => (n > 0 ? lcm(acc, BigInt(n)) : acc), 1n);
  const raw = d.rule.to.map((t, k) => (d.counts[k]! > 0 ? (BigInt(t.weight) * common) / BigInt(d.counts[k]!) : 0n));
  const g = gcdOf(raw.filter((u) => u > 0n)) || 1n;
  const units = raw.map((u) => u / g);
  for (const [route, perEntry] of d.routeCounts) route.units = perEntry.reduce((sum, n, k) => sum + BigInt(n) * units[k]!, 0n);
  const direct = new Map<string, bigint>();
  for (const [key, k] of d.directEntries) direct.set(key, units[k]!);
  return direct;
}

function leveledPlan(input: SplitHorizonInput): AssignmentPlan {
  const { policy, view: fview } = input.locality!;
  const c = classifier(input);
  const { excluded } = c;
  const ranker = policy.mode === 'failover' ? failoverRanker(policy, fview) : undefined;
  const rule = policy.mode === 'distribute' && fview.distributeRule !== undefined && fview.distributeRule >= 0 ? policy.rules[fview.distributeRule] : undefined;
  const distribute: DistributeState | undefined = rule ? { rule, counts: rule.to.map(() => 0), routeCounts: new Map(), directEntries: new Map() } : undefined;

  const buckets = new Map<number, RankBucket>();
  for (const ep of input.endpoints) {
    const to = destinationOf(ep, c);
    if (to === EXCLUDED) continue;
    let entry = -1;
    if (distribute) {
      entry = distribute.rule.to.findIndex((t) => localityMatches(t.segments, ep.locality));
      if (entry < 0) {
        excluded.push(excludedEndpoint(ep, 'not-in-distribute', `its locality is in no "to" locality of the distribute rule from ${JSON.stringify(distribute.rule.from)}`));
        continue;
      }
      distribute.counts[entry]!++;
    }
    const rank = ranker ? ranker(ep) : 0;
    let bucket = buckets.get(rank);
    if (!bucket) buckets.set(rank, (bucket = { rank, direct: [], routes: new Map() }));
    if (to === DIRECT) {
      bucket.direct.push(ep);
      distribute?.directEntries.set(localityKey(ep.locality), entry);
    } else {
      const route = addToRoute(bucket.routes, to, ep);
      if (distribute) {
        let perEntry = distribute.routeCounts.get(route);
        if (!perEntry) distribute.routeCounts.set(route, (perEntry = distribute.rule.to.map(() => 0)));
        perEntry[entry]!++;
      }
    }
  }
  const directUnits = distribute ? distributeUnits(distribute) : undefined;

  // Each gateway is placed at the best rank of what it stands for.
  const ranks = [...buckets.keys()].sort((a, b) => a - b);
  const placement = new Map<Gateway, number>();
  for (const rank of ranks) {
    for (const via of buckets.get(rank)!.routes.keys()) for (const gw of via) if (!placement.has(gw)) placement.set(gw, rank);
  }

  const groups: LocalityGroup[] = [];
  const levels: PriorityLevelExplanation[] = [];
  let first: Level | undefined;
  let capped = false;
  let priority = 0;
  for (const rank of ranks) {
    const bucket = buckets.get(rank)!;
    const directCount = bucket.direct.length;
    const level = buildLevel({
      priority,
      direct: bucket.direct,
      ...(directUnits ? { directUnits } : {}),
      routes: bucket.routes.values(),
      placedHere: (gw) => placement.get(gw) === rank,
    });
    const sent = level.groups.length > 0;
    if (sent) {
      for (const g of level.groups) groups.push(g);
      first ??= level;
      capped ||= level.capped;
    }
    if (policy.mode === 'failover') {
      levels.push({
        rank,
        priority: sent ? priority : undefined,
        reason: describeRank(rank, policy, fview),
        direct: directCount,
        viaGateways: level.viaGateways,
        hidden: level.hidden,
        totalWeight: level.totalWeight,
        networks: level.networks,
      });
    }
    if (sent) priority++;
  }
  first ??= buildLevel({ priority: 0, direct: [], routes: [] });
  if (excluded.length > 1) excluded.sort(compareExcluded);

  const localityLb: LocalityLbExplanation = { mode: policy.mode, viewKey: fview.key };
  if (policy.mode === 'failover') {
    localityLb.source = policy.source;
    if (fview.locality) localityLb.callerLocality = fview.locality;
    if (policy.failoverPriority.length > 0) localityLb.failoverPriority = policy.failoverPriority.map((k, i) => ({ entry: k.text, value: fview.values?.[i] ?? '' }));
    localityLb.levels = levels;
  } else if (policy.mode === 'distribute') {
    localityLb.source = policy.source;
    localityLb.distribute = {
      from: rule?.from,
      to: rule ? rule.to.map((t, k) => ({ locality: t.text, weight: t.weight, endpoints: distribute!.counts[k]! })) : [],
    };
  }
  return { groups, excluded, explain: explanation(c, first, capped, localityLb) };
}
