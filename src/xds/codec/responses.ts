// DiscoveryResponse / DeltaDiscoveryResponse: assembled from pre-encoded Any bytes by hand (server side),
// decoded with protobufjs (client side).
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { errorText, fail, ok, strictView, type Decoded } from './result.js';
import { fieldSize, utf8Bytes, writeBytesField } from './wire.js';

const stringBytes = new Map<string, Uint8Array>();

/** Type URLs repeat on every response: keep their bytes (the map stays as small as the set of types). */
function cachedUtf8(s: string): Uint8Array {
  let b = stringBytes.get(s);
  if (!b) {
    b = utf8Bytes(s);
    if (stringBytes.size < 64) stringBytes.set(s, b);
  }
  return b;
}

function optionalFieldSize(b: Uint8Array): number {
  return b.length === 0 ? 0 : fieldSize(b.length);
}

function writeOptional(buf: Uint8Array, pos: number, field: number, b: Uint8Array): number {
  return b.length === 0 ? pos : writeBytesField(buf, pos, field, b);
}

export interface DiscoveryResponseParts {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Encoded google.protobuf.Any of each resource. */
  resources: readonly Uint8Array[];
}

/** Size of an optional string field (omitted when empty, as proto3 does). */
function strFieldSize(byteLength: number): number {
  return byteLength === 0 ? 0 : fieldSize(byteLength);
}

/** Writes a string field straight into the buffer (no intermediate byte array). */
function writeStrField(buf: Buffer, pos: number, field: number, s: string, byteLength: number): number {
  if (byteLength === 0) return pos;
  buf[pos++] = (field << 3) | 2;
  pos = writeVarintInto(buf, pos, byteLength);
  buf.write(s, pos, byteLength, 'utf8');
  return pos + byteLength;
}

/** Encoded DiscoveryResponse {version_info=1, resources=2, type_url=4, nonce=5}: one allocation, one copy per resource. */
export function encodeDiscoveryResponse(parts: DiscoveryResponseParts): Buffer {
  const versionLen = Buffer.byteLength(parts.versionInfo);
  const typeUrl = cachedUtf8(parts.typeUrl);
  const nonceLen = Buffer.byteLength(parts.nonce);
  let size = strFieldSize(versionLen) + optionalFieldSize(typeUrl) + strFieldSize(nonceLen);
  for (const r of parts.resources) size += fieldSize(r.length);
  const buf = Buffer.allocUnsafe(size);
  let pos = writeStrField(buf, 0, 1, parts.versionInfo, versionLen);
  for (const r of parts.resources) pos = writeBytesField(buf, pos, 2, r);
  pos = writeOptional(buf, pos, 4, typeUrl);
  writeStrField(buf, pos, 5, parts.nonce, nonceLen);
  return buf;
}

export interface DeltaResourcePart {
  name: string;
  version: string;
  /** Encoded google.protobuf.Any. */
  any: Uint8Array;
}

export interface DeltaDiscoveryResponseParts {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: readonly DeltaResourcePart[];
  removedResources: readonly string[];
}

/**
 * Encoded DeltaDiscoveryResponse {system_version_info=1, resources=2 (Resource {version=1, resource=2,
 * name=3}), type_url=4, nonce=5, removed_resources=6}.
 */
export function encodeDeltaDiscoveryResponse(parts: DeltaDiscoveryResponseParts): Buffer {
  const version = utf8Bytes(parts.systemVersionInfo);
  const typeUrl = cachedUtf8(parts.typeUrl);
  const nonce = utf8Bytes(parts.nonce);
  const resources = parts.resources.map((r) => {
    const name = utf8Bytes(r.name);
    const ver = utf8Bytes(r.version);
    const inner = optionalFieldSize(ver) + fieldSize(r.any.length) + optionalFieldSize(name);
    return { name, ver, any: r.any, inner };
  });
  const removed = parts.removedResources.map(utf8Bytes);
  let size = optionalFieldSize(version) + optionalFieldSize(typeUrl) + optionalFieldSize(nonce);
  for (const r of resources) size += fieldSize(r.inner);
  for (const n of removed) size += fieldSize(n.length);
  const buf = Buffer.allocUnsafe(size);
  let pos = writeOptional(buf, 0, 1, version);
  for (const r of resources) {
    buf[pos++] = (2 << 3) | 2;
    pos = writeVarintInto(buf, pos, r.inner);
    pos = writeOptional(buf, pos, 1, r.ver);
    pos = writeBytesField(buf, pos, 2, r.any);
    pos = writeOptional(buf, pos, 3, r.name);
  }
  pos = writeOptional(buf, pos, 4, typeUrl);
  pos = writeOptional(buf, pos, 5, nonce);
  for (const n of removed) pos = writeBytesField(buf, pos, 6, n);
  return buf;
}

function writeVarintInto(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

// ---- client side ----

export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

export interface DecodedDiscoveryResponse {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: AnyMessage[];
}

export interface DecodedDeltaResource {
  name: string;
  version: string;
  resource?: AnyMessage;
  aliases: string[];
}

export interface DecodedDeltaDiscoveryResponse {
  systemVersionInfo: string;
  typeUrl: string;
  nonce: string;
  resources: DecodedDeltaResource[];
  removedResources: string[];
}

interface RawAny {
  typeUrl?: string;
  value?: Uint8Array;
}

function anyOf(a: RawAny | undefined): AnyMessage | undefined {
  return a ? { typeUrl: a.typeUrl ?? '', value: a.value ?? new Uint8Array(0) } : undefined;
}

export function decodeDiscoveryResponse(bytes: Uint8Array): Decoded<DecodedDiscoveryResponse> {
  try {
    const { DiscoveryResponse } = xdsTypes();
    const m = DiscoveryResponse.toObject(DiscoveryResponse.decode(strictView(bytes)), TO_OBJECT) as {
      versionInfo?: string;
      typeUrl?: string;
      nonce?: string;
      resources?: RawAny[];
    };
    return ok({
      versionInfo: m.versionInfo ?? '',
      typeUrl: m.typeUrl ?? '',
      nonce: m.nonce ?? '',
      resources: (m.resources ?? []).map((r) => anyOf(r)!),
    });
  } catch (err) {
    return fail(`malformed DiscoveryResponse: ${errorText(err)}`);
  }
}

export function decodeDeltaDiscoveryResponse(bytes: Uint8Array): Decoded<DecodedDeltaDiscoveryResponse> {
  try {
    const { DeltaDiscoveryResponse } = xdsTypes();
    const m = DeltaDiscoveryResponse.toObject(DeltaDiscoveryResponse.decode(strictView(bytes)), TO_OBJECT) as {
      systemVersionInfo?: string;
      typeUrl?: string;
      nonce?: string;
      resources?: { name?: string; version?: string; resource?: RawAny; aliases?: string[] }[];
      removedResources?: string[];
    };
    return ok({
      systemVersionInfo: m.systemVersionInfo ?? '',
      typeUrl: m.typeUrl ?? '',
      nonce: m.nonce ?? '',
      resources: (m.resources ?? []).map((r) => {
        const any = anyOf(r.resource);
        return { name: r.name ?? '', version: r.version ?? '', aliases: r.aliases ?? [], ...(any ? { resource: any } : {}) };
      }),
      removedResources: m.removedResources ?? [],
    });
  } catch (err) {
    return fail(`malformed DeltaDiscoveryResponse: ${errorText(err)}`);
  }
}
