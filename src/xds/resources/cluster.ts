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

/**
 * Envoy's OutlierDetection, the fields istiod fills from a DestinationRule (generators/cds.ts maps them).
 * Counts are UInt32Value (absent = Envoy's default), percentages 0-100, durations in milliseconds (> 0).
 * Proxyless gRPC validates it (percentages <= 100, durations >= 0) and implements only success-rate and
 * failure-percentage ejection: with enforcingSuccessRate 0, as istiod sends it, a gRPC client ejects nothing.
 */
export interface OutlierDetectionInput {
  consecutive5xx?: number;
  enforcingConsecutive5xx?: number;
  consecutiveGatewayFailure?: number;
  enforcingConsecutiveGatewayFailure?: number;
  intervalMs?: number;
  baseEjectionTimeMs?: number;
  maxEjectionPercent?: number;
  enforcingSuccessRate?: number;
  splitExternalLocalOriginErrors?: boolean;
  consecutiveLocalOriginFailure?: number;
  enforcingConsecutiveLocalOriginFailure?: number;
  enforcingLocalOriginSuccessRate?: number;
}

const OD_COUNTS = ['consecutive5xx', 'consecutiveGatewayFailure', 'consecutiveLocalOriginFailure'] as const;
const OD_PERCENTS = [
  'enforcingConsecutive5xx',
  'enforcingConsecutiveGatewayFailure',
  'maxEjectionPercent',
  'enforcingSuccessRate',
  'enforcingConsecutiveLocalOriginFailure',
  'enforcingLocalOriginSuccessRate',
] as const;
/** protobufjs camel-cases `consecutive_5xx` to `consecutive_5xx` (no letter after the underscore): the message's own names. */
const odField = (k: string): string => k.replace(/5xx$/, '_5xx');
const OD_DURATIONS = [
  ['intervalMs', 'interval'],
  ['baseEjectionTimeMs', 'baseEjectionTime'],
] as const;

function outlierDetectionMessage(od: OutlierDetectionInput, where: string): Record<string, unknown> {
  const msg: Record<string, unknown> = {};
  for (const k of OD_COUNTS) if (od[k] !== undefined) msg[odField(k)] = { value: requireUint32(od[k], `${where}: outlierDetection.${k}`) };
  for (const k of OD_PERCENTS) {
    const v = od[k];
    if (v === undefined) continue;
    // Envoy and both gRPC clients refuse a percentage above 100 (the whole Cluster).
    if (requireUint32(v, `${where}: outlierDetection.${k}`) > 100) throw new XdsEncodeError(`${where}: outlierDetection.${k} must be at most 100, got ${v}`);
    msg[odField(k)] = { value: v };
  }
  for (const [k, field] of OD_DURATIONS) {
    const v = od[k];
    if (v === undefined) continue;
    // Envoy validates these as > 0.
    if (!(v > 0)) throw new XdsEncodeError(`${where}: outlierDetection.${k} must be positive, got ${v}`);
    msg[field] = durationMessage(v, `${where}: outlierDetection.${k}`);
  }
  if (od.splitExternalLocalOriginErrors) msg.splitExternalLocalOriginErrors = true;
  return msg;
}

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
  /** Envoy only: common_lb_config.healthy_panic_threshold, a percentage 0-100 (0 = never panic). */
  healthyPanicThreshold?: number;
  outlierDetection?: OutlierDetectionInput;
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
  const common: Record<string, unknown> = {};
  if (input.localityWeighted) common.localityWeightedLbConfig = {};
  if (input.healthyPanicThreshold !== undefined) {
    const p = input.healthyPanicThreshold;
    if (!Number.isFinite(p) || p < 0 || p > 100) throw new XdsEncodeError(`${where}: healthyPanicThreshold must be a percentage (0-100), got ${p}`);
    common.healthyPanicThreshold = { value: p };
  }
  if (Object.keys(common).length > 0) msg.commonLbConfig = common;
  if (input.outlierDetection) msg.outlierDetection = outlierDetectionMessage(input.outlierDetection, where);
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
  healthyPanicThreshold?: number;
  outlierDetection?: OutlierDetectionInput;
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
      commonLbConfig?: { localityWeightedLbConfig?: object; healthyPanicThreshold?: { value?: number } };
      outlierDetection?: Record<string, { value?: number } | { seconds?: number; nanos?: number } | boolean | undefined>;
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
    if (c.commonLbConfig?.healthyPanicThreshold) out.healthyPanicThreshold = c.commonLbConfig.healthyPanicThreshold.value ?? 0;
    if (c.outlierDetection) out.outlierDetection = outlierDetectionFromMessage(c.outlierDetection);
    const md = metadataFromMessage(c.metadata as never);
    if (md) out.metadata = md;
    return ok(out);
  } catch (err) {
    return fail(`malformed Cluster: ${errorText(err)}`);
  }
}

function outlierDetectionFromMessage(m: Record<string, unknown>): OutlierDetectionInput {
  const out: OutlierDetectionInput = {};
  for (const k of [...OD_COUNTS, ...OD_PERCENTS]) {
    const w = m[odField(k)] as { value?: number } | undefined;
    if (w) out[k] = w.value ?? 0;
  }
  for (const [k, field] of OD_DURATIONS) {
    const d = durationToMs(m[field] as { seconds?: number; nanos?: number } | undefined);
    if (d !== undefined) out[k] = d;
  }
  if (m.splitExternalLocalOriginErrors === true) out.splitExternalLocalOriginErrors = true;
  return out;
}
