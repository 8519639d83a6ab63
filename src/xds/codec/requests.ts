// DiscoveryRequest / DeltaDiscoveryRequest: decoded on the server (never throwing: errors as values),
// encoded by Horizon's own ADS client.
import type { Locality } from '../../model/types.js';
import { parseNode, type DecodedNode, type NodeInfo } from '../node-info.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { errorText, fail, ok, strictView, type Decoded } from './result.js';
import { jsonToStruct } from './struct.js';

export interface ErrorDetail {
  code: number;
  message: string;
}

export interface DiscoveryRequestMessage {
  versionInfo: string;
  /** Parsed node, when the request carried one. */
  node?: NodeInfo;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  /** Set on a NACK. */
  errorDetail?: ErrorDetail;
}

export interface DeltaDiscoveryRequestMessage {
  node?: NodeInfo;
  typeUrl: string;
  resourceNamesSubscribe: string[];
  resourceNamesUnsubscribe: string[];
  initialResourceVersions: Record<string, string>;
  responseNonce: string;
  errorDetail?: ErrorDetail;
}

interface RawStatus {
  code?: number;
  message?: string;
}

function errorDetailOf(s: RawStatus | undefined): ErrorDetail | undefined {
  return s ? { code: s.code ?? 0, message: s.message ?? '' } : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export function decodeDiscoveryRequest(bytes: Uint8Array): Decoded<DiscoveryRequestMessage> {
  try {
    const { DiscoveryRequest } = xdsTypes();
    const m = DiscoveryRequest.toObject(DiscoveryRequest.decode(strictView(bytes)), TO_OBJECT) as {
      versionInfo?: string;
      node?: DecodedNode;
      resourceNames?: string[];
      typeUrl?: string;
      responseNonce?: string;
      errorDetail?: RawStatus;
    };
    const errorDetail = errorDetailOf(m.errorDetail);
    return ok({
      versionInfo: m.versionInfo ?? '',
      ...(m.node ? { node: parseNode(m.node) } : {}),
      resourceNames: strings(m.resourceNames),
      typeUrl: m.typeUrl ?? '',
      responseNonce: m.responseNonce ?? '',
      ...(errorDetail ? { errorDetail } : {}),
    });
  } catch (err) {
    return fail(`malformed DiscoveryRequest: ${errorText(err)}`);
  }
}

export function decodeDeltaDiscoveryRequest(bytes: Uint8Array): Decoded<DeltaDiscoveryRequestMessage> {
  try {
    const { DeltaDiscoveryRequest } = xdsTypes();
    const m = DeltaDiscoveryRequest.toObject(DeltaDiscoveryRequest.decode(strictView(bytes)), TO_OBJECT) as {
      node?: DecodedNode;
      typeUrl?: string;
      resourceNamesSubscribe?: string[];
      resourceNamesUnsubscribe?: string[];
      initialResourceVersions?: Record<string, string>;
      responseNonce?: string;
      errorDetail?: RawStatus;
    };
    const errorDetail = errorDetailOf(m.errorDetail);
    return ok({
      ...(m.node ? { node: parseNode(m.node) } : {}),
      typeUrl: m.typeUrl ?? '',
      resourceNamesSubscribe: strings(m.resourceNamesSubscribe),
      resourceNamesUnsubscribe: strings(m.resourceNamesUnsubscribe),
      initialResourceVersions: { ...(m.initialResourceVersions ?? {}) },
      responseNonce: m.responseNonce ?? '',
      ...(errorDetail ? { errorDetail } : {}),
    });
  } catch (err) {
    return fail(`malformed DeltaDiscoveryRequest: ${errorText(err)}`);
  }
}

// ---- client side ----

/** A node as a client describes itself (metadata as plain JSON). */
export interface NodeInput {
  id: string;
  cluster?: string;
  /** e.g. {NETWORK: 'network1', REQUESTED_NETWORK_VIEW: 'network1,network2', GENERATOR: 'grpc'} */
  metadata?: Readonly<Record<string, unknown>>;
  locality?: Partial<Locality>;
  userAgentName?: string;
  userAgentVersion?: string;
  clientFeatures?: readonly string[];
}

function nodeMessage(n: NodeInput): Record<string, unknown> {
  return {
    id: n.id,
    cluster: n.cluster ?? '',
    ...(n.metadata ? { metadata: jsonToStruct(n.metadata) } : {}),
    locality: { region: n.locality?.region ?? '', zone: n.locality?.zone ?? '', subZone: n.locality?.subzone ?? '' },
    userAgentName: n.userAgentName ?? 'horizon-ads-client',
    ...(n.userAgentVersion !== undefined ? { userAgentVersion: n.userAgentVersion } : {}),
    clientFeatures: [...(n.clientFeatures ?? [])],
  };
}

export interface DiscoveryRequestInput {
  versionInfo?: string;
  node?: NodeInput;
  resourceNames?: readonly string[];
  typeUrl: string;
  responseNonce?: string;
  errorDetail?: ErrorDetail;
}

export function encodeDiscoveryRequest(r: DiscoveryRequestInput): Uint8Array {
  const { DiscoveryRequest } = xdsTypes();
  return DiscoveryRequest.encode({
    versionInfo: r.versionInfo ?? '',
    ...(r.node ? { node: nodeMessage(r.node) } : {}),
    resourceNames: [...(r.resourceNames ?? [])],
    typeUrl: r.typeUrl,
    responseNonce: r.responseNonce ?? '',
    ...(r.errorDetail ? { errorDetail: r.errorDetail } : {}),
  }).finish();
}

export interface DeltaDiscoveryRequestInput {
  node?: NodeInput;
  typeUrl: string;
  resourceNamesSubscribe?: readonly string[];
  resourceNamesUnsubscribe?: readonly string[];
  initialResourceVersions?: Readonly<Record<string, string>>;
  responseNonce?: string;
  errorDetail?: ErrorDetail;
}

export function encodeDeltaDiscoveryRequest(r: DeltaDiscoveryRequestInput): Uint8Array {
  const { DeltaDiscoveryRequest } = xdsTypes();
  return DeltaDiscoveryRequest.encode({
    ...(r.node ? { node: nodeMessage(r.node) } : {}),
    typeUrl: r.typeUrl,
    resourceNamesSubscribe: [...(r.resourceNamesSubscribe ?? [])],
    resourceNamesUnsubscribe: [...(r.resourceNamesUnsubscribe ?? [])],
    initialResourceVersions: { ...(r.initialResourceVersions ?? {}) },
    responseNonce: r.responseNonce ?? '',
    ...(r.errorDetail ? { errorDetail: r.errorDetail } : {}),
  }).finish();
}
