// Inputs and outputs of the split-horizon decision. Plain data: the xDS layer turns an AssignmentPlan
// into a ClusterLoadAssignment (groups -> LocalityLbEndpoints, lbEndpoints -> LbEndpoint, all HEALTHY).
import type { ClusterId, EndpointHealth, Gateway, Locality, NetworkId, NetworkView } from '../model/types.js';

/** One endpoint of one ClusterLoadAssignment: a pod's address and the port of this service port. */
export interface AssignmentEndpoint {
  address: string;
  port: number;
  network: NetworkId;
  cluster: ClusterId;
  locality: Locality;
  health: EndpointHealth;
  podName?: string;
}

export interface SplitHorizonInput {
  endpoints: readonly AssignmentEndpoint[];
  /** Gateways of every network (TopologySnapshot.gateways). */
  gateways: ReadonlyMap<NetworkId, readonly Gateway[]>;
  view: NetworkView;
}

export type ExclusionReason = 'no-gateway' | 'unhealthy' | 'terminating' | 'outside-requested-view';

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
  /** How many endpoints of that network send (part of) their traffic through it. */
  endpointCount: number;
}

export type PlannedLbEndpoint = DirectLbEndpoint | GatewayLbEndpoint;

export interface LocalityGroup {
  /** Unique within the plan (gRPC keys localities by value). */
  locality: Locality;
  /** Always the sum of the endpoint weights; positive. */
  loadBalancingWeight: number;
  /** Always 0: Horizon does no locality failover. */
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

export interface PlanExplanation {
  callerNetwork: NetworkId;
  requestedNetworks: readonly NetworkId[] | undefined;
  /** False when no gateway is known anywhere: then every healthy endpoint is sent directly. */
  multiNetwork: boolean;
  /** Every weight was multiplied by `scale` (LCM of the gateway counts used), then divided by `divisor` (GCD). */
  scale: string;
  divisor: string;
  /** True when the exact weights would have exceeded uint32 and were scaled down (shares approximate). */
  capped: boolean;
  totalWeight: number;
  /** Sorted by network ('' = unknown network). */
  networks: readonly NetworkShare[];
  /** Gateways given but not used, e.g. the same address:port listed for two networks. */
  ignoredGateways: readonly { gateway: Gateway; reason: string }[];
}

export interface AssignmentPlan {
  /** Sorted: direct groups by locality, then gateway groups by network. */
  groups: readonly LocalityGroup[];
  /** Sorted by address, port. */
  excluded: readonly ExcludedEndpoint[];
  explain: PlanExplanation;
}
