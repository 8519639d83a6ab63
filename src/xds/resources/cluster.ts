// Cluster of type EDS whose endpoints come over the same ADS stream (eds_config.ads, resource API v3).
import type { JsonObject } from '../codec/struct.js';
import { errorText, fail, ok, strictView, type Decoded } from '../codec/result.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import {
  ADS_CONFIG_SOURCE,
  durationMessage,
  durationToMs,
  metadataFromMessage,
  metadataMessage,
  requireName,
  requireUint32,
  XdsEncodeError,
  type FilterMetadata,
} from './common.js';

/**
 * grpc-js-xds accepts only ROUND_ROBIN and RING_HASH (it NACKs a cluster with any other policy);
 * LEAST_REQUEST and RANDOM are for Envoy.
 */
export type LbPolicyName = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM' | 'RING_HASH';

const LB_POLICY: Readonly<Record<LbPolicyName, number>> = { ROUND_ROBIN: 0, LEAST_REQUEST: 1, RING_HASH: 2, RANDOM: 3 };
/** grpc-js-xds refuses ring sizes above this. */
const MAX_RING_SIZE = 8_388_608;

export interface EdsClusterInput {
  name: string;
  /** The ClusterLoadAssignment name to fetch, when it differs from `name`. */
  serviceName?: string;
  lbPolicy: LbPolicyName;
  ringHash?: { minimumRingSize?: number; maximumRingSize?: number };
  leastRequest?: { choiceCount?: number };
  connectTimeoutMs: number;
  /** Envoy only: pick localities by their load_balancing_weight (common_lb_config.locality_weighted_lb_config). */
  localityWeighted?: boolean;
  metadata?: FilterMetadata;
}

export function encodeEdsCluster(input: EdsClusterInput): Uint8Array {
  const name = requireName(input.name, 'Cluster.name');
  const where = `Cluster ${name}`;
  const lbPolicy = LB_POLICY[input.lbPolicy];
  if (lbPolicy === undefined) throw new XdsEncodeError(`${where}: unknown lbPolicy '${String(input.lbPolicy)}'`);
  if (name.startsWith('xdstp:') && !input.serviceName) {
    throw new XdsEncodeError(`${where}: an xdstp: cluster name needs a serviceName`);
  }
  const msg: Record<string, unknown> = {
    name,
    type: 3, // EDS
    edsClusterConfig: { edsConfig: ADS_CONFIG_SOURCE, ...(input.serviceName ? { serviceName: input.serviceName } : {}) },
    connectTimeout: durationMessage(input.connectTimeoutMs, `${where}: connectTimeoutMs`),
    lbPolicy,
  };
  if (input.lbPolicy === 'RING_HASH' && input.ringHash) {
    const min = input.ringHash.minimumRingSize;
    const max = input.ringHash.maximumRingSize;
    if (min !== undefined) requireUint32(min, `${where}: ringHash.minimumRingSize`, 1);
    if (max !== undefined) requireUint32(max, `${where}: ringHash.maximumRingSize`, 1);
    if ((min ?? 0) > MAX_RING_SIZE || (max ?? 0) > MAX_RING_SIZE || (min !== undefined && max !== undefined && min > max)) {
      throw new XdsEncodeError(`${where}: ring sizes must satisfy 1 <= minimum <= maximum <= ${MAX_RING_SIZE}`);
    }
    msg.ringHashLbConfig = {
      ...(min !== undefined ? { minimumRingSize: { value: min } } : {}),
      ...(max !== undefined ? { maximumRingSize: { value: max } } : {}),
    };
  }
  if (input.lbPolicy === 'LEAST_REQUEST' && input.leastRequest?.choiceCount !== undefined) {
    msg.leastRequestLbConfig = { choiceCount: { value: requireUint32(input.leastRequest.choiceCount, `${where}: leastRequest.choiceCount`, 2) } };
  }
  if (input.localityWeighted) msg.commonLbConfig = { localityWeightedLbConfig: {} };
  const metadata = metadataMessage(input.metadata);
  if (metadata) msg.metadata = metadata;
  return xdsTypes().Cluster.encode(msg).finish();
}

export interface DecodedCluster {
  name: string;
  /** 'EDS', 'STATIC', ... */
  type: string;
  /** eds_config is ADS. */
  edsOverAds: boolean;
  serviceName?: string;
  lbPolicy: string;
  ringHash?: { minimumRingSize?: number; maximumRingSize?: number };
  leastRequest?: { choiceCount?: number };
  connectTimeoutMs?: number;
  localityWeighted: boolean;
  metadata?: Record<string, JsonObject>;
}

export function decodeCluster(bytes: Uint8Array): Decoded<DecodedCluster> {
  try {
    const t = xdsTypes().Cluster;
    const c = t.toObject(t.decode(strictView(bytes)), TO_OBJECT) as {
      name?: string;
      type?: string;
      edsClusterConfig?: { edsConfig?: { ads?: object }; serviceName?: string };
      connectTimeout?: { seconds?: number; nanos?: number };
      lbPolicy?: string;
      ringHashLbConfig?: { minimumRingSize?: { value?: number }; maximumRingSize?: { value?: number } };
      leastRequestLbConfig?: { choiceCount?: { value?: number } };
      commonLbConfig?: { localityWeightedLbConfig?: object };
      metadata?: { filterMetadata?: Record<string, object> };
    };
    const out: DecodedCluster = {
      name: c.name ?? '',
      type: c.type ?? 'STATIC',
      edsOverAds: c.edsClusterConfig?.edsConfig?.ads !== undefined,
      lbPolicy: c.lbPolicy ?? 'ROUND_ROBIN',
      localityWeighted: c.commonLbConfig?.localityWeightedLbConfig !== undefined,
    };
    if (c.edsClusterConfig?.serviceName) out.serviceName = c.edsClusterConfig.serviceName;
    const timeout = durationToMs(c.connectTimeout);
    if (timeout !== undefined) out.connectTimeoutMs = timeout;
    if (c.ringHashLbConfig) {
      out.ringHash = {};
      if (c.ringHashLbConfig.minimumRingSize) out.ringHash.minimumRingSize = Number(c.ringHashLbConfig.minimumRingSize.value ?? 0);
      if (c.ringHashLbConfig.maximumRingSize) out.ringHash.maximumRingSize = Number(c.ringHashLbConfig.maximumRingSize.value ?? 0);
    }
    if (c.leastRequestLbConfig) {
      out.leastRequest = c.leastRequestLbConfig.choiceCount ? { choiceCount: c.leastRequestLbConfig.choiceCount.value ?? 0 } : {};
    }
    const md = metadataFromMessage(c.metadata as never);
    if (md) out.metadata = md;
    return ok(out);
  } catch (err) {
    return fail(`malformed Cluster: ${errorText(err)}`);
  }
}
