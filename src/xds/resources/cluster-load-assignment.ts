// ClusterLoadAssignment: a cluster's endpoints grouped by (locality, priority). Checked against what
// grpc-js-xds accepts, since one bad endpoint makes it reject the whole assignment: every locality
// group carries a weight (without one its endpoints are silently dropped), addresses are IP literals,
// no address or (locality, priority) appears twice, priorities are contiguous from 0.
import { isIP } from 'node:net';
import type { Locality } from '../../model/types.js';
import type { JsonObject } from '../codec/struct.js';
import { errorText, fail, ok, strictView, type Decoded } from '../codec/result.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { fieldSize, utf8Length, varintSize, writeLenField, writeStringField, writeVarint } from '../codec/wire.js';
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

/** One endpoint, checked and measured, ready to write. */
interface SizedEndpoint {
  address: string;
  addressLen: number;
  port: number;
  weight: number;
  health: number;
  metadata: Uint8Array | undefined;
  /** Sizes of the nested messages: SocketAddress, Address, Endpoint, UInt32Value, LbEndpoint. */
  sa: number;
  ad: number;
  ep: number;
  w: number;
  lbe: number;
}

interface SizedGroup {
  region: string;
  zone: string;
  subzone: string;
  regionLen: number;
  zoneLen: number;
  subzoneLen: number;
  loc: number;
  weight: number;
  w: number;
  priority: number;
  endpoints: SizedEndpoint[];
  size: number;
}

function writeTag(buf: Uint8Array, pos: number, field: number, wire: number): number {
  buf[pos] = (field << 3) | wire;
  return pos + 1;
}

/**
 * Encodes a ClusterLoadAssignment by hand (one size pass, one write pass into one buffer): this is the
 * hot path of every endpoint change, and the generic reflection encoder costs several times more.
 * Fields equal to their proto3 default are left out, except `locality`, which gRPC requires present.
 */
export function encodeClusterLoadAssignment(input: ClusterLoadAssignmentInput): Uint8Array {
  const clusterName = requireName(input.clusterName, 'ClusterLoadAssignment.clusterName');
  const where = `ClusterLoadAssignment ${clusterName}`;
  // Duplicate checks only where duplicates are possible (most assignments are one group, few endpoints).
  let endpointCount = 0;
  for (const g of input.endpoints) endpointCount += g.lbEndpoints.length;
  const seenAddresses = endpointCount > 1 ? new Set<string>() : undefined;
  const seenGroups = input.endpoints.length > 1 ? new Set<string>() : undefined;
  const priorityWeights = new Map<number, number>();
  const groups: SizedGroup[] = [];
  const nameLen = utf8Length(clusterName);
  let total = fieldSize(nameLen);
  for (let gi = 0; gi < input.endpoints.length; gi++) {
    const group = input.endpoints[gi]!;
    const priority = group.priority === undefined ? 0 : requireUint32(group.priority, `${where}: endpoints[${gi}].priority`);
    const loc = group.locality;
    if (seenGroups) {
      const groupKey = `${loc.region}\u0000${loc.zone}\u0000${loc.subzone}\u0000${priority}`;
      if (seenGroups.has(groupKey)) {
        throw new XdsEncodeError(`${where}: endpoints[${gi}]: locality ${loc.region}/${loc.zone}/${loc.subzone} appears twice at priority ${priority}`);
      }
      seenGroups.add(groupKey);
    }
    let sum = 0;
    const endpoints: SizedEndpoint[] = new Array(group.lbEndpoints.length);
    let lbSize = 0;
    for (let ei = 0; ei < group.lbEndpoints.length; ei++) {
      const e = group.lbEndpoints[ei]!;
      if (isIP(e.address) === 0) throw new XdsEncodeError(`${where}: endpoints[${gi}].lbEndpoints[${ei}]: address '${e.address}' is not an IP literal`);
      const port = e.port;
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        requireUint32(port, `${where}: endpoints[${gi}].lbEndpoints[${ei}].port`, 1);
        throw new XdsEncodeError(`${where}: endpoints[${gi}].lbEndpoints[${ei}].port: ${port} is not a port`);
      }
      if (seenAddresses) {
        const key = `${e.address}|${port}`;
        if (seenAddresses.has(key)) throw new XdsEncodeError(`${where}: endpoints[${gi}].lbEndpoints[${ei}]: ${e.address}:${port} appears twice in the assignment`);
        seenAddresses.add(key);
      }
      const weight = e.loadBalancingWeight === undefined ? 1 : requireUint32(e.loadBalancingWeight, `${where}: endpoints[${gi}].lbEndpoints[${ei}].loadBalancingWeight`, 1);
      sum += weight;
      const health = HEALTH[e.healthStatus ?? 'HEALTHY'];
      if (health === undefined) throw new XdsEncodeError(`${where}: endpoints[${gi}].lbEndpoints[${ei}]: unknown healthStatus '${String(e.healthStatus)}'`);
      const md = metadataMessage(e.metadata);
      const metadata = md ? xdsTypes().root.lookupType('envoy.config.core.v3.Metadata').encode(md).finish() : undefined;
      const addressLen = e.address.length; // an IP literal is ASCII
      const sa = fieldSize(addressLen) + 1 + varintSize(port);
      const ad = fieldSize(sa);
      const ep = fieldSize(ad);
      const w = 1 + varintSize(weight);
      const lbe = fieldSize(ep) + (health !== 0 ? 1 + varintSize(health) : 0) + (metadata ? fieldSize(metadata.length) : 0) + fieldSize(w);
      endpoints[ei] = { address: e.address, addressLen, port, weight, health, metadata, sa, ad, ep, w, lbe };
      lbSize += fieldSize(lbe);
    }
    const weight = group.loadBalancingWeight === undefined ? Math.max(1, sum) : requireUint32(group.loadBalancingWeight, `${where}: endpoints[${gi}].loadBalancingWeight`, 1);
    priorityWeights.set(priority, (priorityWeights.get(priority) ?? 0) + weight);
    const regionLen = utf8Length(loc.region);
    const zoneLen = utf8Length(loc.zone);
    const subzoneLen = utf8Length(loc.subzone);
    const locSize = (regionLen ? fieldSize(regionLen) : 0) + (zoneLen ? fieldSize(zoneLen) : 0) + (subzoneLen ? fieldSize(subzoneLen) : 0);
    const w = 1 + varintSize(weight);
    const size = fieldSize(locSize) + lbSize + fieldSize(w) + (priority !== 0 ? 1 + varintSize(priority) : 0);
    groups.push({ region: loc.region, zone: loc.zone, subzone: loc.subzone, regionLen, zoneLen, subzoneLen, loc: locSize, weight, w, priority, endpoints, size });
    total += fieldSize(size);
  }
  for (const [priority, sumOfWeights] of priorityWeights) {
    if (sumOfWeights > 0xffffffff) throw new XdsEncodeError(`${where}: locality weights of priority ${priority} sum to more than 4294967295`);
    if (priority > 0 && !priorityWeights.has(priority - 1)) {
      throw new XdsEncodeError(`${where}: priority ${priority} is used but priority ${priority - 1} is not`);
    }
  }

  const buf = new Uint8Array(total);
  let pos = writeStringField(buf, 0, 1, clusterName, nameLen);
  for (const g of groups) {
    pos = writeLenField(buf, pos, 2, g.size);
    pos = writeLenField(buf, pos, 1, g.loc);
    if (g.regionLen) pos = writeStringField(buf, pos, 1, g.region, g.regionLen);
    if (g.zoneLen) pos = writeStringField(buf, pos, 2, g.zone, g.zoneLen);
    if (g.subzoneLen) pos = writeStringField(buf, pos, 3, g.subzone, g.subzoneLen);
    for (const e of g.endpoints) {
      pos = writeLenField(buf, pos, 2, e.lbe);
      pos = writeLenField(buf, pos, 1, e.ep); // LbEndpoint.endpoint
      pos = writeLenField(buf, pos, 1, e.ad); // Endpoint.address
      pos = writeLenField(buf, pos, 1, e.sa); // Address.socket_address
      pos = writeStringField(buf, pos, 2, e.address, e.addressLen);
      pos = writeTag(buf, pos, 3, 0);
      pos = writeVarint(buf, pos, e.port);
      if (e.health !== 0) {
        pos = writeTag(buf, pos, 2, 0);
        pos = writeVarint(buf, pos, e.health);
      }
      if (e.metadata) {
        pos = writeLenField(buf, pos, 3, e.metadata.length);
        buf.set(e.metadata, pos);
        pos += e.metadata.length;
      }
      pos = writeLenField(buf, pos, 4, e.w);
      pos = writeTag(buf, pos, 1, 0);
      pos = writeVarint(buf, pos, e.weight);
    }
    pos = writeLenField(buf, pos, 3, g.w);
    pos = writeTag(buf, pos, 1, 0);
    pos = writeVarint(buf, pos, g.weight);
    if (g.priority !== 0) {
      pos = writeTag(buf, pos, 5, 0);
      pos = writeVarint(buf, pos, g.priority);
    }
  }
  if (pos !== total) throw new Error(`ClusterLoadAssignment encoder: wrote ${pos} of ${total} bytes`);
  return buf;
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
