// One ClusterLoadAssignment as a caller of a given network view receives it, with the decision spelled
// out: each endpoint sent directly or through a gateway (and for how many endpoints), each endpoint left
// out with its reason. Built from the provider's AssignmentPlan, uncached, so it never disturbs clients.
// With locality load balancing, each endpoint's priority and why, and the failover order: the priorities
// best first with what each holds, i.e. where the caller goes when everything before it has failed.
import type { LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import type { AssignmentPlan, ExclusionReason } from '../../split-horizon/types.js';
import { hostPort } from '../../util/host-port.js';
import type { JsonObject } from '../../xds/codec/struct.js';
import { resourceToProto3Json } from '../../xds/codec/proto-json.js';
import { encodeClusterLoadAssignment, type ClusterLoadAssignmentInput } from '../../xds/resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../xds/type-urls.js';
import { localityLabel } from './query.js';

export interface ExplainedEndpoint {
  /** address:port */
  endpoint: string;
  address: string;
  port: number;
  weight: number;
  localityWeight: number;
  locality: string;
  health: string;
  /** 0 is used first; p+1 only when p cannot serve the caller. */
  priority: number;
  /** Why this priority (locality load balancing), e.g. "failoverPriority: matches topology.istio.io/network; ...". */
  why?: string;
  kind: 'direct' | 'gateway';
  /** `direct`, or `gateway <addr:port> of <network>`. */
  via: string;
  /** The network the endpoint (or, for a gateway, the endpoints behind it) is on. */
  network: string;
  /** Direct: the cluster the endpoint comes from. */
  cluster?: string;
  pod?: string;
  /** Gateway: how many endpoints of its network send (part of) their traffic through it. */
  endpointCount?: number;
  gateway?: { address: string; port: number; cluster: string; source: string; origin: string; hostname?: string };
}

export interface LeftOutEndpoint {
  endpoint: string;
  address: string;
  port: number;
  network: string;
  cluster: string;
  pod?: string;
  reason: ExclusionReason;
  detail: string;
}

export interface ExplainedAssignment {
  clusterName: string;
  /** The ClusterLoadAssignment in proto3 JSON, exactly what such a caller is sent. */
  clusterLoadAssignment: JsonObject;
  /** Set when the assignment could not be encoded (then it is not sent at all). */
  encodeError?: string;
  endpoints: ExplainedEndpoint[];
  leftOut: LeftOutEndpoint[];
  /** The locality load balancing of this cluster: off (and why), distribute or failover, from the DestinationRule or the mesh config. */
  localityLb?: { mode: LocalityLbPolicy['mode']; source?: string; reason?: string };
  /** failover: the priorities sent, best first, with what each holds (traffic moves to the next when all before it fail). */
  failoverOrder?: FailoverStep[];
  explain: AssignmentPlan['explain'];
}

export interface FailoverStep {
  priority: number;
  why: string;
  /** Endpoints sent directly at this priority. */
  direct: number;
  /** Remote endpoints whose traffic the gateways at this priority carry. */
  viaGateways: number;
  /** Addresses sent at this priority (pods and gateways). */
  addresses: number;
  networks: string[];
}

export function explainAssignment(clusterName: string, input: ClusterLoadAssignmentInput, plan: AssignmentPlan, localityLb?: LocalityLbPolicy): ExplainedAssignment {
  const whyOf = new Map<number, string>();
  for (const level of plan.explain.localityLb?.levels ?? []) if (level.priority !== undefined && !whyOf.has(level.priority)) whyOf.set(level.priority, level.reason.why);
  let clusterLoadAssignment: JsonObject = {};
  let encodeError: string | undefined;
  try {
    const decoded = resourceToProto3Json(CLUSTER_LOAD_ASSIGNMENT_TYPE, encodeClusterLoadAssignment(input));
    if (decoded.ok) clusterLoadAssignment = decoded.value;
    else encodeError = decoded.error;
  } catch (err) {
    encodeError = err instanceof Error ? err.message : String(err);
  }
  const endpoints: ExplainedEndpoint[] = [];
  plan.groups.forEach((group, gi) => {
    group.lbEndpoints.forEach((e, ei) => {
      const health = input.endpoints[gi]?.lbEndpoints[ei]?.healthStatus ?? 'HEALTHY';
      const base = {
        endpoint: hostPort(e.address, e.port),
        address: e.address,
        port: e.port,
        weight: e.loadBalancingWeight,
        localityWeight: group.loadBalancingWeight,
        locality: localityLabel(group.locality),
        health,
        priority: group.priority,
        ...(whyOf.has(group.priority) ? { why: whyOf.get(group.priority)! } : {}),
      };
      if (e.kind === 'direct') {
        endpoints.push({
          ...base,
          kind: 'direct',
          via: 'direct',
          network: e.network,
          cluster: e.cluster,
          ...(e.podName !== undefined ? { pod: e.podName } : {}),
        });
      } else {
        const g = e.gateway;
        endpoints.push({
          ...base,
          kind: 'gateway',
          via: `gateway ${hostPort(e.address, e.port)} of ${e.network}`,
          network: e.network,
          endpointCount: e.endpointCount,
          gateway: {
            address: g.address,
            port: g.port,
            cluster: g.cluster,
            source: g.source,
            origin: g.origin,
            ...(g.hostname !== undefined ? { hostname: g.hostname } : {}),
          },
        });
      }
    });
  });
  const leftOut: LeftOutEndpoint[] = plan.excluded.map((x) => ({
    endpoint: hostPort(x.address, x.port),
    address: x.address,
    port: x.port,
    network: x.network,
    cluster: x.cluster,
    ...(x.podName !== undefined ? { pod: x.podName } : {}),
    reason: x.reason,
    detail: x.detail,
  }));
  const failoverOrder = failoverSteps(plan, whyOf);
  return {
    clusterName,
    clusterLoadAssignment,
    ...(encodeError !== undefined ? { encodeError } : {}),
    endpoints,
    leftOut,
    ...(localityLb ? { localityLb: localityLbSummary(localityLb) } : {}),
    ...(failoverOrder ? { failoverOrder } : {}),
    explain: plan.explain,
  };
}

function localityLbSummary(p: LocalityLbPolicy): NonNullable<ExplainedAssignment['localityLb']> {
  return p.mode === 'off' ? { mode: 'off', reason: p.reason } : { mode: p.mode, source: p.source };
}

/** Per priority sent (failover only): what it holds, from the plan's levels and groups. */
function failoverSteps(plan: AssignmentPlan, whyOf: ReadonlyMap<number, string>): FailoverStep[] | undefined {
  const levels = plan.explain.localityLb?.levels;
  if (!levels) return undefined;
  const steps = new Map<number, FailoverStep>();
  for (const level of levels) {
    if (level.priority === undefined) continue;
    let step = steps.get(level.priority);
    if (!step) steps.set(level.priority, (step = { priority: level.priority, why: whyOf.get(level.priority) ?? '', direct: 0, viaGateways: 0, addresses: 0, networks: [] }));
    step.direct += level.direct;
    step.viaGateways += level.viaGateways;
    for (const n of level.networks) if (!step.networks.includes(n.network)) step.networks.push(n.network);
  }
  for (const g of plan.groups) {
    const step = steps.get(g.priority);
    if (step) step.addresses += g.lbEndpoints.length;
  }
  return [...steps.values()].sort((a, b) => a.priority - b.priority);
}
