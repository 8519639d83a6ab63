// DiscoveryRequest / DeltaDiscoveryRequest: decoded on the server (never throwing: errors as values),
// encoded by Horizon's own ADS client.
import type { Locality } from '../../model/types.js';
import { defaultLimits } from '../../limits.js';
import { parseNode, type DecodedNode, type XdsNode } from '../xds-node.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { errorText, fail, ok, overLimit, strictView, type Decoded } from './result.js';
import { jsonToStruct } from './struct.js';
import { checkStruct, forEachField, lastVarintEnd, Malformed, readVarint } from './wire-read.js';

export interface ErrorDetail {
  code: number;
  message: string;
}

export interface DiscoveryRequestMessage {
  versionInfo: string;
  /** Parsed node, when the request carried one. */
  node?: XdsNode;
  resourceNames: string[];
  typeUrl: string;
  responseNonce: string;
  /** Set on a NACK. */
  errorDetail?: ErrorDetail;
}

export interface DeltaDiscoveryRequestMessage {
  node?: XdsNode;
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

/** What a client may put in one request, checked before its parts are decoded (see limits.ts). */
export interface RequestBounds {
  /** Resource names (and delta initial versions) in one request. */
  names: number;
  /** Bytes of the node's metadata Struct; the node's other fields may take as many again. */
  nodeMetadataBytes: number;
}

export const defaultRequestBounds: Readonly<RequestBounds> = Object.freeze({
  names: defaultLimits.namesPerStream,
  nodeMetadataBytes: defaultLimits.nodeMetadataBytes,
});

/** Nesting of node metadata: Istio's is three levels deep (LABELS); protobufjs recurses per level. */
export const MAX_METADATA_DEPTH = 32;

/** Longest NACK message kept and logged (a client decides its length). */
export const MAX_ERROR_DETAIL_CHARS = 1024;

/** Text a client decides, cut to `max` characters with a marker saying how long it was. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

function errorDetailOf(s: RawStatus | undefined): ErrorDetail | undefined {
  return s ? { code: s.code ?? 0, message: clip(s.message ?? '', MAX_ERROR_DETAIL_CHARS) } : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * Checks an encoded Node {id = 1, cluster = 2, metadata = 3, locality = 4, user_agent_name = 6, ...} before
 * protobufjs decodes it: its metadata's size, the node's size (the other fields may take as many bytes
 * again), and the metadata's wire types and nesting (protobufjs and structToJson recurse per level).
 * `what` names the request for messages ("DiscoveryRequest").
 */
export function checkNodeBytes(view: Uint8Array, bounds: Pick<RequestBounds, 'nodeMetadataBytes'>, what: string): Decoded<void> {
  const max = bounds.nodeMetadataBytes;
  try {
    const metadata: number[] = [];
    let metadataBytes = 0;
    forEachField(view, 0, view.length, (field, wire, start, end) => {
      if (field !== 3) return;
      if (wire !== 2) throw new Malformed(`metadata has wire type ${wire}, expected 2`);
      metadataBytes += end - start;
      metadata.push(start, end);
    });
    if (metadataBytes > max) return overLimit('nodeMetadataBytes', max, metadataBytes, `${what} node metadata`);
    if (view.length > 2 * max) {
      return overLimit('nodeMetadataBytes', max, view.length, `${what} node of ${view.length} bytes (its other fields may take as many bytes as its metadata)`);
    }
    for (let i = 0; i < metadata.length; i += 2) checkStruct(view, metadata[i]!, metadata[i + 1]!, { maxDepth: MAX_METADATA_DEPTH });
    return ok(undefined);
  } catch (err) {
    return fail(`malformed ${what}: node: ${errorText(err)}`);
  }
}

/** An encoded Node, checked (checkNodeBytes) and then decoded. */
export function decodeNode(bytes: Uint8Array, bounds: Pick<RequestBounds, 'nodeMetadataBytes'> = defaultRequestBounds, what = 'Node'): Decoded<XdsNode> {
  const view = strictView(bytes);
  const checked = checkNodeBytes(view, bounds, what);
  if (!checked.ok) return checked;
  try {
    const { Node } = xdsTypes();
    return ok(parseNode(Node.toObject(Node.decode(view), TO_OBJECT) as DecodedNode));
  } catch (err) {
    return fail(`malformed ${what}: node: ${errorText(err)}`);
  }
}

/**
 * A DiscoveryRequest read by hand, without its resource names turned into strings yet: every ACK of
 * every stream goes through here and repeats the whole subscription, which is almost always the one the
 * stream had. `sameNamesAs` compares the names' bytes with the last ones kept (no string, no array), and
 * `resourceNames` decodes them only when they are needed (and after `nameCount` was checked against the
 * limit). Strings allocated per ACK would also be promoted to the old generation once V8 pretenures the
 * allocation site (first requests keep their names), which turns into frequent major GCs under load.
 */
export class DiscoveryRequestView {
  private names: string[] | undefined;
  private nodeRead: Decoded<XdsNode | undefined> | undefined;

  constructor(
    private readonly buf: Buffer,
    readonly versionInfo: string,
    readonly typeUrl: string,
    readonly responseNonce: string,
    /** Byte range of the node's contents (-1 when the request has none): decoded only when asked for. */
    private readonly nodeStart: number,
    private readonly nodeEnd: number,
    readonly errorDetail: ErrorDetail | undefined,
    /** Byte range covering every resource_names field when they are contiguous (as encoders write them); -1 when not. */
    private readonly namesStart: number,
    private readonly namesEnd: number,
    /** resource_names fields in the request (counted without decoding them). */
    readonly nameCount: number,
  ) {}

  /** The subscription, decoded on first use. */
  get resourceNames(): string[] {
    if (this.names === undefined) {
      const out: string[] = [];
      const b = this.buf;
      if (this.namesStart >= 0) {
        let pos = this.namesStart;
        while (pos < this.namesEnd) {
          pos++; // the tag: field 3, wire type 2 (checked when the request was read)
          const len = readVarint(b, pos, this.namesEnd);
          pos = lastVarintEnd();
          out.push(b.toString('utf8', pos, pos + len));
          pos += len;
        }
      } else {
        // Names split by other fields (no encoder we know writes them so): every field-3 one, in order.
        forEachField(b, 0, b.length, (field, wire, start, end) => {
          if (field === 3 && wire === 2) out.push(b.toString('utf8', start, end));
        });
      }
      this.names = out;
    }
    return this.names;
  }

  /**
   * The node, decoded on first use. Clients (Envoy by default) repeat it on every request, but a
   * connection only needs the first one: decoding it per ACK costs protobufjs reflection and garbage.
   */
  readNode(bounds: Pick<RequestBounds, 'nodeMetadataBytes'> = defaultRequestBounds): Decoded<XdsNode | undefined> {
    if (this.nodeRead === undefined) {
      if (this.nodeStart < 0) this.nodeRead = ok(undefined);
      else this.nodeRead = decodeNode(strictView(this.buf).subarray(this.nodeStart, this.nodeEnd), bounds, 'DiscoveryRequest');
    }
    return this.nodeRead;
  }

  /** True when the names are byte for byte the ones given (what namesBytes() returned for a request). */
  sameNamesAs(previous: Uint8Array | undefined): boolean {
    if (previous === undefined || this.namesStart < 0) return false;
    const n = this.namesEnd - this.namesStart;
    if (previous.length !== n) return false;
    return this.buf.compare(previous, 0, n, this.namesStart, this.namesEnd) === 0;
  }

  /** A copy of the names' bytes, to compare the next request with (undefined when not contiguous). */
  namesBytes(): Uint8Array | undefined {
    if (this.namesStart < 0) return undefined;
    return Uint8Array.prototype.slice.call(this.buf, this.namesStart, this.namesEnd);
  }
}

/**
 * DiscoveryRequest {version_info=1, node=2, resource_names=3, type_url=4, response_nonce=5,
 * error_detail=6}, read by hand in one pass with no allocation per name. The node (when asked for:
 * readNode) and error_detail (NACKs) are decoded by protobufjs.
 */
export function readDiscoveryRequest(raw: Uint8Array): Decoded<DiscoveryRequestView> {
  const bytes = strictView(raw);
  // Strings are read straight out of one Buffer view (toString with a range allocates no view per field).
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    // Byte ranges of the last version_info, type_url and response_nonce: strings made once, after the
    // scan (a request repeating a field a million times costs no million strings).
    let version0 = 0;
    let version1 = 0;
    let type0 = 0;
    let type1 = 0;
    let nonce0 = 0;
    let nonce1 = 0;
    let nodeStart = -1;
    let nodeEnd = -1;
    let errorDetail: ErrorDetail | undefined;
    let namesStart = -1;
    let namesEnd = -1;
    let nameCount = 0;
    let contiguous = true;
    const end = bytes.length;
    let pos = 0;
    while (pos < end) {
      const fieldStart = pos;
      const key = readVarint(bytes, pos, end);
      pos = lastVarintEnd();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field === 0) throw new Malformed('field number 0');
      if (wire === 2) {
        const len = readVarint(bytes, pos, end);
        pos = lastVarintEnd();
        const stop = pos + len;
        if (stop > end) throw new Malformed(`field ${field} runs past the end`);
        switch (field) {
          case 1:
            version0 = pos;
            version1 = stop;
            break;
          case 2: // a repeated node: the last one is read (protobuf would merge them; no client sends two)
            nodeStart = pos;
            nodeEnd = stop;
            break;
          case 3:
            nameCount++;
            if (namesStart < 0) namesStart = fieldStart;
            else if (namesEnd !== fieldStart) contiguous = false;
            namesEnd = stop;
            break;
          case 4:
            type0 = pos;
            type1 = stop;
            break;
          case 5:
            nonce0 = pos;
            nonce1 = stop;
            break;
          case 6: {
            const { Status } = xdsTypes();
            errorDetail = errorDetailOf(Status.toObject(Status.decode(bytes.subarray(pos, stop)), TO_OBJECT) as RawStatus);
            break;
          }
          default:
            break; // unknown or unused (resource_locators): skipped
        }
        pos = stop;
      } else if (field >= 1 && field <= 7) {
        throw new Malformed(`field ${field} has wire type ${wire}, expected 2`);
      } else if (wire === 0) {
        readVarint(bytes, pos, end);
        pos = lastVarintEnd();
      } else if (wire === 1) {
        pos += 8;
      } else if (wire === 5) {
        pos += 4;
      } else {
        throw new Malformed(`unsupported wire type ${wire}`);
      }
      if (pos > end) throw new Malformed('truncated field');
    }
    if (namesStart < 0) {
      namesStart = 0;
      namesEnd = 0;
    }
    if (!contiguous) namesStart = -1;
    const versionInfo = version1 > version0 ? buf.toString('utf8', version0, version1) : '';
    const typeUrl = type1 > type0 ? buf.toString('utf8', type0, type1) : '';
    const responseNonce = nonce1 > nonce0 ? buf.toString('utf8', nonce0, nonce1) : '';
    return ok(new DiscoveryRequestView(buf, versionInfo, typeUrl, responseNonce, nodeStart, nodeEnd, errorDetail, namesStart, namesEnd, nameCount));
  } catch (err) {
    return fail(`malformed DiscoveryRequest: ${errorText(err)}`);
  }
}

/** The whole request as plain data (names decoded). */
export function decodeDiscoveryRequest(raw: Uint8Array, bounds: RequestBounds = defaultRequestBounds): Decoded<DiscoveryRequestMessage> {
  const r = readDiscoveryRequest(raw);
  if (!r.ok) return r;
  const v = r.value;
  if (v.nameCount > bounds.names) return overLimit('namesPerStream', bounds.names, v.nameCount, 'DiscoveryRequest');
  const node = v.readNode(bounds);
  if (!node.ok) return node;
  return ok({
    versionInfo: v.versionInfo,
    ...(node.value ? { node: node.value } : {}),
    resourceNames: v.resourceNames,
    typeUrl: v.typeUrl,
    responseNonce: v.responseNonce,
    ...(v.errorDetail ? { errorDetail: v.errorDetail } : {}),
  });
}

/**
 * DeltaDiscoveryRequest {node = 1, type_url = 2, resource_names_subscribe = 3, resource_names_unsubscribe = 4,
 * initial_resource_versions = 5, response_nonce = 6, error_detail = 7}: its names counted and its node
 * checked on the bytes first, then decoded by protobufjs.
 */
export function decodeDeltaDiscoveryRequest(bytes: Uint8Array, bounds: RequestBounds = defaultRequestBounds): Decoded<DeltaDiscoveryRequestMessage> {
  const view = strictView(bytes);
  let subscribe = 0;
  let unsubscribe = 0;
  let initial = 0;
  let nodeStart = -1;
  let nodeEnd = -1;
  try {
    forEachField(view, 0, view.length, (field, wire, start, end) => {
      if (field >= 1 && field <= 7 && wire !== 2) throw new Malformed(`field ${field} has wire type ${wire}, expected 2`);
      if (field === 1) {
        nodeStart = start;
        nodeEnd = end;
      } else if (field === 3) subscribe++;
      else if (field === 4) unsubscribe++;
      else if (field === 5) initial++;
    });
  } catch (err) {
    return fail(`malformed DeltaDiscoveryRequest: ${errorText(err)}`);
  }
  const names = Math.max(subscribe, unsubscribe, initial);
  if (names > bounds.names) return overLimit('namesPerStream', bounds.names, names, 'DeltaDiscoveryRequest');
  if (nodeStart >= 0) {
    const checked = checkNodeBytes(view.subarray(nodeStart, nodeEnd), bounds, 'DeltaDiscoveryRequest');
    if (!checked.ok) return checked;
  }
  try {
    const { DeltaDiscoveryRequest } = xdsTypes();
    const m = DeltaDiscoveryRequest.toObject(DeltaDiscoveryRequest.decode(view), TO_OBJECT) as {
      node?: DecodedNode;
      typeUrl?: string;
      resourceNamesSubscribe?: string[];
      resourceNamesUnsubscribe?: string[];
      initialResourceVersions?: Record<string, string>;
      responseNonce?: string;
      errorDetail?: RawStatus;
    };
    const node = m.node ? parseNode(m.node) : undefined;
    const errorDetail = errorDetailOf(m.errorDetail);
    return ok({
      ...(node ? { node } : {}),
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
