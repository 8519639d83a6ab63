// ClusterLoadAssignment: a cluster's endpoints grouped by (locality, priority). Checked against what
// grpc-js-xds accepts, since one bad endpoint makes it reject the whole assignment: every locality
// group carries a weight (without one its endpoints are silently dropped), addresses are IP literals,
// no address or (locality, priority) appears twice, priorities are contiguous from 0.
import { isIP } from 'node:net';
import type { Locality } from '../../model/types.js';
import type { JsonObject } from '../codec/struct.js';
import { errorText, fail, ok, strictView, type Decoded } from '../codec/result.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { metadataFromMessage, metadataMessage, requireName, requireUint32, XdsEncodeError, type FilterMetadata } from './common.js';

export type HealthStatusName = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY' | 'DRAINING' | 'TIMEOUT' | 'DEGRADED';

const HEALTH: Readonly<Record<HealthStatusName, number>> = { UNKNOWN: 0, HEALTHY: 1, UNHEALTHY: 2, DRAINING: 3, TIMEOUT: 4, DEGRADED: 5 };

export interface LbEndpointInput {
  /** An IPv4 or IPv6 literal. */
  address: string;
  port: number;
  /** Default 1. Proxyless gRPC ignores it unless GRPC_EXPERIMENTAL_XDS_WRR_LB=true; Envoy uses it. */
  loadBalancingWeight?: number;
  /** Default HEALTHY. gRPC uses only UNKNOWN and HEALTHY endpoints. */
  healthStatus?: HealthStatusName;
  metadata?: FilterMetadata;
}

export interface LocalityLbEndpointsInput {
  locality: Locality;
  /** Default: the sum of the endpoint weights (at least 1). This is the weight proxyless gRPC balances by. */
  loadBalancingWeight?: number;
  /** Default 0 (highest). */
  priority?: number;
  lbEndpoints: readonly LbEndpointInput[];
}

export interface ClusterLoadAssignmentInput {
  clusterName: string;
  endpoints: readonly LocalityLbEndpointsInput[];
}

export function encodeClusterLoadAssignment(input: ClusterLoadAssignmentInput): Uint8Array {
  const clusterName = requireName(input.clusterName, 'ClusterLoadAssignment.clusterName');
  const where = `ClusterLoadAssignment ${clusterName}`;
  const seenAddresses = new Set<string>();
  const seenGroups = new Set<string>();
  const priorityWeights = new Map<number, number>();
  const endpoints = input.endpoints.map((group, gi) => {
    const gw = `${where}: endpoints[${gi}]`;
    const priority = group.priority === undefined ? 0 : requireUint32(group.priority, `${gw}.priority`);
    const loc = group.locality;
    const groupKey = `${loc.region}\u0000${loc.zone}\u0000${loc.subzone}\u0000${priority}`;
    if (seenGroups.has(groupKey)) {
      throw new XdsEncodeError(`${gw}: locality ${loc.region}/${loc.zone}/${loc.subzone} appears twice at priority ${priority}`);
    }
    seenGroups.add(groupKey);
    let sum = 0;
    const lbEndpoints = group.lbEndpoints.map((e, ei) => {
      const ew = `${gw}.lbEndpoints[${ei}]`;
      if (isIP(e.address) === 0) throw new XdsEncodeError(`${ew}: address '${e.address}' is not an IP literal`);
      requireUint32(e.port, `${ew}.port`, 1);
      if (e.port > 65535) throw new XdsEncodeError(`${ew}.port: ${e.port} is not a port`);
      const key = `${e.address}|${e.port}`;
      if (seenAddresses.has(key)) throw new XdsEncodeError(`${ew}: ${e.address}:${e.port} appears twice in the assignment`);
      seenAddresses.add(key);
      const weight = e.loadBalancingWeight === undefined ? 1 : requireUint32(e.loadBalancingWeight, `${ew}.loadBalancingWeight`, 1);
      sum += weight;
      const health = HEALTH[e.healthStatus ?? 'HEALTHY'];
      if (health === undefined) throw new XdsEncodeError(`${ew}: unknown healthStatus '${String(e.healthStatus)}'`);
      const md = metadataMessage(e.metadata);
      return {
        endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
        healthStatus: health,
        loadBalancingWeight: { value: weight },
        ...(md ? { metadata: md } : {}),
      };
    });
    const weight =
      group.loadBalancingWeight === undefined ? Math.max(1, sum) : requireUint32(group.loadBalancingWeight, `${gw}.loadBalancingWeight`, 1);
    priorityWeights.set(priority, (priorityWeights.get(priority) ?? 0) + weight);
    return {
      locality: { region: loc.region, zone: loc.zone, subZone: loc.subzone },
      lbEndpoints,
      loadBalancingWeight: { value: weight },
      ...(priority !== 0 ? { priority } : {}),
    };
  });
  for (const [priority, total] of priorityWeights) {
    if (total > 0xffffffff) throw new XdsEncodeError(`${where}: locality weights of priority ${priority} sum to more than 4294967295`);
    if (priority > 0 && !priorityWeights.has(priority - 1)) {
      throw new XdsEncodeError(`${where}: priority ${priority} is used but priority ${priority - 1} is not`);
    }
  }
  return xdsTypes().ClusterLoadAssignment.encode({ clusterName, endpoints }).finish();
}

export interface DecodedLbEndpoint {
  address: string;
  port: number;
  loadBalancingWeight?: number;
  healthStatus: HealthStatusName;
  metadata?: Record<string, JsonObject>;
}

export interface DecodedLocalityLbEndpoints {
  locality: Locality;
  loadBalancingWeight?: number;
  priority: number;
  lbEndpoints: DecodedLbEndpoint[];
}

export interface DecodedClusterLoadAssignment {
  clusterName: string;
  endpoints: DecodedLocalityLbEndpoints[];
}

interface RawCla {
  clusterName?: string;
  endpoints?: {
    locality?: { region?: string; zone?: string; subZone?: string };
    loadBalancingWeight?: { value?: number };
    priority?: number;
    lbEndpoints?: {
      endpoint?: { address?: { socketAddress?: { address?: string; portValue?: number } } };
      healthStatus?: HealthStatusName;
      loadBalancingWeight?: { value?: number };
      metadata?: { filterMetadata?: Record<string, object> };
    }[];
  }[];
}

export function decodeClusterLoadAssignment(bytes: Uint8Array): Decoded<DecodedClusterLoadAssignment> {
  try {
    const t = xdsTypes().ClusterLoadAssignment;
    const c = t.toObject(t.decode(strictView(bytes)), TO_OBJECT) as RawCla;
    return ok({
      clusterName: c.clusterName ?? '',
      endpoints: (c.endpoints ?? []).map((g) => ({
        locality: { region: g.locality?.region ?? '', zone: g.locality?.zone ?? '', subzone: g.locality?.subZone ?? '' },
        ...(g.loadBalancingWeight ? { loadBalancingWeight: g.loadBalancingWeight.value ?? 0 } : {}),
        priority: g.priority ?? 0,
        lbEndpoints: (g.lbEndpoints ?? []).map((e) => {
          const md = metadataFromMessage(e.metadata as never);
          return {
            address: e.endpoint?.address?.socketAddress?.address ?? '',
            port: e.endpoint?.address?.socketAddress?.portValue ?? 0,
            ...(e.loadBalancingWeight ? { loadBalancingWeight: e.loadBalancingWeight.value ?? 0 } : {}),
            healthStatus: e.healthStatus ?? 'UNKNOWN',
            ...(md ? { metadata: md } : {}),
          };
        }),
      })),
    });
  } catch (err) {
    return fail(`malformed ClusterLoadAssignment: ${errorText(err)}`);
  }
}
