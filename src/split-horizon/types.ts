// Inputs and outputs of the split-horizon decision. Plain data: the xDS layer turns an AssignmentPlan
// into a ClusterLoadAssignment (groups -> LocalityLbEndpoints, lbEndpoints -> LbEndpoint, all HEALTHY).
import type { ClusterId, EndpointHealth, Gateway, Locality, NetworkId, NetworkView } from '../model/types.js';
import type { FailoverView } from './failover-view.js';
import type { LocalityLbPolicy, LocalityLbSource } from './locality-lb-policy.js';
import type { PriorityReason } from './priority-rank.js';

/** One endpoint of one ClusterLoadAssignment: a pod's address and the port of this service port. */
export interface AssignmentEndpoint {
  address: string;
  port: number;
  network: NetworkId;
  cluster: ClusterId;
  locality: Locality;
  health: EndpointHealth;
  podName?: string;
  /** The pod's labels: what failoverPriority keys compare (absent = none). */
  labels?: Readonly<Record<string, string>>;
  /** The node the pod runs on (failoverPriority `kubernetes.io/hostname`). */
  nodeName?: string;
}

export interface SplitHorizonInput {
  endpoints: readonly AssignmentEndpoint[];
  /** Gateways of every network (TopologySnapshot.gateways). */
  gateways: ReadonlyMap<NetworkId, readonly Gateway[]>;
  view: NetworkView;
  /**
   * Locality load balancing for this cluster (resolveLocalityLb) and the caller's failover view
   * (failoverView): the only caller facts besides `view` the answer depends on. Absent: every endpoint
   * at priority 0 with equal weight, as with the policy off.
   */
  locality?: { policy: LocalityLbPolicy; view: FailoverView };
}

export type ExclusionReason = 'no-gateway' | 'unhealthy' | 'terminating' | 'outside-requested-view' | 'not-in-distribute';

export interface DirectLbEndpoint {
  kind: 'direct';
  address: string;
  port: number;
  loadBalancingWeight: number;
  network: NetworkId;
  cluster: ClusterId;
  podName?: string;
}

export interface GatewayLbEndpoint {
  kind: 'gateway';
  address: string;
  port: number;
  loadBalancingWeight: number;
  gateway: Gateway;
  /** The network this gateway stands for. */
  network: NetworkId;
  /** How many endpoints of that network, at this gateway's priority, send (part of) their traffic through it. */
  endpointCount: number;
}

export type PlannedLbEndpoint = DirectLbEndpoint | GatewayLbEndpoint;

export interface LocalityGroup {
  /** Unique within the plan (gRPC keys localities by value). */
  locality: Locality;
  /** Always the sum of the endpoint weights; positive. */
  loadBalancingWeight: number;
  /** 0 (highest) to N without gaps; a caller uses priority p+1 only when p cannot serve it. */
  priority: number;
  /** Direct groups hold pod addresses; a gateway group holds gateways of one network. */
  kind: 'direct' | 'gateway';
  /** For gateway groups: the network the gateways stand for. */
  network?: NetworkId;
  /** Sorted; all with the same weight, so clients that ignore endpoint weights still split right. */
  lbEndpoints: readonly PlannedLbEndpoint[];
}

export interface ExcludedEndpoint {
  address: string;
  port: number;
  network: NetworkId;
  cluster: ClusterId;
  podName?: string;
  reason: ExclusionReason;
  /** A sentence for the debug API. */
  detail: string;
}

/** How one network fares in the plan. */
export interface NetworkShare {
  network: NetworkId;
  /** 'direct': pod addresses sent; 'gateway': replaced by the network's gateways. */
  mode: 'direct' | 'gateway';
  /** Endpoints sent for this network (directly or behind its gateways). */
  endpoints: number;
  /** Sum of the weights standing for this network. */
  weight: number;
  /** weight / total weight as a reduced fraction, e.g. "3/4". */
  share: string;
}

/** One failover rank (istiod's numbering) and what became of it. */
export interface PriorityLevelExplanation {
  rank: number;
  /** The priority sent; undefined when every endpoint of this rank is reached only through gateways placed at a higher priority. */
  priority: number | undefined;
  reason: PriorityReason;
  /** Endpoints of this rank sent directly. */
  direct: number;
  /** Remote endpoints of this rank whose traffic gateways at this priority carry. */
  viaGateways: number;
  /** Remote endpoints of this rank reached only through gateways placed at a higher priority (an address appears once per assignment). */
  hidden: number;
  /** Sum of the locality weights sent at this priority. */
  totalWeight: number;
  /** How each network fares inside this priority. */
  networks: readonly NetworkShare[];
}

export interface LocalityLbExplanation {
  mode: LocalityLbPolicy['mode'];
  /** Where the setting came from (distribute, failover). */
  source?: LocalityLbSource;
  /** Why locality load balancing is off. */
  reason?: string;
  /** The failover view key this answer holds for ('' = every caller). */
  viewKey: string;
  callerLocality?: Locality;
  /** failoverPriority entries as written, and the value each was compared with. */
  failoverPriority?: readonly { entry: string; value: string }[];
  /** distribute: the rule whose `from` matched the caller (none: weights as without distribute). */
  distribute?: { from: string | undefined; to: readonly { locality: string; weight: number; endpoints: number }[] };
  /** failover: every rank that occurs, best first. */
  levels?: readonly PriorityLevelExplanation[];
}

export interface PlanExplanation {
  callerNetwork: NetworkId;
  requestedNetworks: readonly NetworkId[] | undefined;
  /** False when no gateway is known anywhere: then every healthy endpoint is sent directly. */
  multiNetwork: boolean;
  /** At priority 0: every weight was multiplied by `scale` (LCM of the gateway counts used), then divided by `divisor` (GCD). */
  scale: string;
  divisor: string;
  /** True when at some priority the exact weights would have exceeded uint32 and were scaled down (shares approximate). */
  capped: boolean;
  /** Sum of the locality weights at priority 0 (the whole plan when it has one priority). */
  totalWeight: number;
  /** At priority 0 (where traffic goes while it is healthy), sorted by network ('' = unknown network); per priority in localityLb.levels. */
  networks: readonly NetworkShare[];
  /** Gateways given but not used, e.g. the same address:port listed for two networks. */
  ignoredGateways: readonly { gateway: Gateway; reason: string }[];
  /** Present when a locality policy was given. */
  localityLb?: LocalityLbExplanation;
}

export interface AssignmentPlan {
  /** Sorted by priority, then direct groups by locality, then gateway groups by network. */
  groups: readonly LocalityGroup[];
  /** Sorted by address, port. */
  excluded: readonly ExcludedEndpoint[];
  explain: PlanExplanation;
}
