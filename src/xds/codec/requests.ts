// DiscoveryRequest / DeltaDiscoveryRequest: decoded on the server (never throwing: errors as values),
// encoded by Horizon's own ADS client.
import type { Locality } from '../../model/types.js';
import { parseNode, type DecodedNode, type XdsNode } from '../xds-node.js';
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

function errorDetailOf(s: RawStatus | undefined): ErrorDetail | undefined {
  return s ? { code: s.code ?? 0, message: s.message ?? '' } : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/** A wire-level problem: the bytes are not the message they claim to be. */
class Malformed extends Error {}

function readVarint(b: Uint8Array, pos: number, end: number): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new Malformed('truncated varint');
    const byte = b[pos++]!;
    n += (byte & 0x7f) * mul;
    if (byte < 0x80) {
      varintEnd = pos;
      return n;
    }
    mul *= 128;
  }
  throw new Malformed('varint longer than 10 bytes');
}
/** Where the last readVarint stopped (a module variable instead of a tuple: no allocation per field). */
let varintEnd = 0;

/**
 * A DiscoveryRequest read by hand, without its resource names turned into strings yet: every ACK of
 * every stream goes through here and repeats the whole subscription, which is almost always the one the
 * stream had. `sameNamesAs` compares the names' bytes with the last ones kept (no string, no array), and
 * `resourceNames` decodes them only when they are needed. Strings allocated per ACK would also be
 * promoted to the old generation once V8 pretenures the allocation site (first requests keep their
 * names), which turns into frequent major GCs under load.
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
    /** Byte range covering every resource_names field, when they are contiguous (as encoders write them). */
    private readonly namesStart: number,
    private readonly namesEnd: number,
    eagerNames: string[] | undefined,
  ) {
    this.names = eagerNames;
  }

  /** The subscription, decoded on first use. */
  get resourceNames(): string[] {
    if (this.names === undefined) {
      const out: string[] = [];
      const b = this.buf;
      let pos = this.namesStart;
      while (pos < this.namesEnd) {
        pos++; // the tag: field 3, wire type 2 (checked when the request was read)
        const len = readVarint(b, pos, this.namesEnd);
        pos = varintEnd;
        out.push(b.toString('utf8', pos, pos + len));
        pos += len;
      }
      this.names = out;
    }
    return this.names;
  }

  /**
   * The node, decoded on first use. Clients (Envoy by default) repeat it on every request, but a
   * connection only needs the first one: decoding it per ACK costs protobufjs reflection and garbage.
   */
  readNode(): Decoded<XdsNode | undefined> {
    if (this.nodeRead === undefined) {
      if (this.nodeStart < 0) this.nodeRead = ok(undefined);
      else {
        try {
          const { Node } = xdsTypes();
          const bytes = strictView(this.buf).subarray(this.nodeStart, this.nodeEnd);
          this.nodeRead = ok(parseNode(Node.toObject(Node.decode(bytes), TO_OBJECT) as DecodedNode));
        } catch (err) {
          this.nodeRead = fail(`malformed DiscoveryRequest: node: ${errorText(err)}`);
        }
      }
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

  /** A copy of the names' bytes, to compare the next request with (empty when not contiguous). */
  namesBytes(): Uint8Array | undefined {
    if (this.namesStart < 0) return undefined;
    return Uint8Array.prototype.slice.call(this.buf, this.namesStart, this.namesEnd);
  }
}

/**
 * DiscoveryRequest {version_info=1, node=2, resource_names=3, type_url=4, response_nonce=5,
 * error_detail=6}, read by hand. The node (when asked for: readNode) and error_detail (NACKs) are decoded
 * by protobufjs.
 */
export function readDiscoveryRequest(raw: Uint8Array): Decoded<DiscoveryRequestView> {
  const bytes = strictView(raw);
  // Strings are read straight out of one Buffer view (toString with a range allocates no view per field).
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    let versionInfo = '';
    let typeUrl = '';
    let responseNonce = '';
    let nodeStart = -1;
    let nodeEnd = -1;
    let errorDetail: ErrorDetail | undefined;
    let namesStart = -1;
    let namesEnd = -1;
    let contiguous = true;
    let eager: string[] | undefined;
    const end = bytes.length;
    let pos = 0;
    while (pos < end) {
      const fieldStart = pos;
      const key = readVarint(bytes, pos, end);
      pos = varintEnd;
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field === 0) throw new Malformed('field number 0');
      if (wire === 2) {
        const len = readVarint(bytes, pos, end);
        pos = varintEnd;
        const stop = pos + len;
        if (stop > end) throw new Malformed(`field ${field} runs past the end`);
        switch (field) {
          case 1:
            versionInfo = buf.toString('utf8', pos, stop);
            break;
          case 2: // a repeated node: the last one is read (protobuf would merge them; no client sends two)
            nodeStart = pos;
            nodeEnd = stop;
            break;
          case 3:
            if (namesStart < 0) namesStart = fieldStart;
            else if (namesEnd !== fieldStart) contiguous = false;
            namesEnd = stop;
            break;
          case 4:
            typeUrl = buf.toString('utf8', pos, stop);
            break;
          case 5:
            responseNonce = buf.toString('utf8', pos, stop);
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
        pos = varintEnd;
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
    if (!contiguous) {
      // Names split by other fields (no encoder we know writes them so): decode them all now, in order.
      eager = [];
      let p = 0;
      while (p < end) {
        const key = readVarint(bytes, p, end);
        p = varintEnd;
        const wire = key & 7;
        if (wire === 2) {
          const len = readVarint(bytes, p, end);
          p = varintEnd;
          if (Math.floor(key / 8) === 3) eager.push(buf.toString('utf8', p, p + len));
          p += len;
        } else if (wire === 0) {
          readVarint(bytes, p, end);
          p = varintEnd;
        } else p += wire === 1 ? 8 : 4;
      }
      namesStart = -1;
    }
    return ok(new DiscoveryRequestView(buf, versionInfo, typeUrl, responseNonce, nodeStart, nodeEnd, errorDetail, namesStart, namesEnd, eager));
  } catch (err) {
    return fail(`malformed DiscoveryRequest: ${errorText(err)}`);
  }
}

/** The whole request as plain data (names decoded). */
export function decodeDiscoveryRequest(raw: Uint8Array): Decoded<DiscoveryRequestMessage> {
  const r = readDiscoveryRequest(raw);
  if (!r.ok) return r;
  const v = r.value;
  const node = v.readNode();
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
