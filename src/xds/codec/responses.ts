// DiscoveryResponse / DeltaDiscoveryResponse: assembled from pre-encoded Any bytes by hand (server side),
// decoded with protobufjs (client side).
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { errorText, fail, ok, strictView, type Decoded } from './result.js';
import {
  cachedUtf8,
  fieldSize,
  optionalFieldSize,
  utf8Length,
  writeBytesField,
  writeLenField,
  writeOptionalBytesField,
  writeOptionalStringField,
  writeStringField,
} from './wire.js';

export interface DiscoveryResponseParts {
  versionInfo: string;
  typeUrl: string;
  nonce: string;
  /** Encoded google.protobuf.Any of each resource. */
  resources: readonly Uint8Array[];
}

/** Encoded DiscoveryResponse {version_info=1, resources=2, type_url=4, nonce=5}: one allocation, one copy per resource. */
export function encodeDiscoveryResponse(parts: DiscoveryResponseParts): Buffer {
  const versionLen = utf8Length(parts.versionInfo);
  const typeUrl = cachedUtf8(parts.typeUrl);
  const nonceLen = utf8Length(parts.nonce);
  let size = optionalFieldSize(versionLen) + optionalFieldSize(typeUrl.length) + optionalFieldSize(nonceLen);
  for (const r of parts.resources) size += fieldSize(r.length);
  const buf = Buffer.allocUnsafe(size);
  let pos = writeOptionalStringField(buf, 0, 1, parts.versionInfo, versionLen);
  for (const r of parts.resources) pos = writeBytesField(buf, pos, 2, r);
  pos = writeOptionalBytesField(buf, pos, 4, typeUrl);
  writeOptionalStringField(buf, pos, 5, parts.nonce, nonceLen);
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
  // Strings go straight into the buffer, as in the SotW path: a push to many delta streams re-encodes no
  // name or version into a byte array of its own. Their byte lengths are measured once and kept here.
  const versionLen = utf8Length(parts.systemVersionInfo);
  const typeUrl = cachedUtf8(parts.typeUrl);
  const nonceLen = utf8Length(parts.nonce);
  const rs = parts.resources;
  const rm = parts.removedResources;
  // Per resource: name length, version length, Resource message size; then each removed name's length.
  const lens = new Uint32Array(rs.length * 3 + rm.length);
  let size = optionalFieldSize(versionLen) + optionalFieldSize(typeUrl.length) + optionalFieldSize(nonceLen);
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    const nameLen = utf8Length(r.name);
    const verLen = utf8Length(r.version);
    const inner = optionalFieldSize(verLen) + fieldSize(r.any.length) + optionalFieldSize(nameLen);
    lens[i * 3] = nameLen;
    lens[i * 3 + 1] = verLen;
    lens[i * 3 + 2] = inner;
    size += fieldSize(inner);
  }
  for (let i = 0; i < rm.length; i++) {
    const len = utf8Length(rm[i]!);
    lens[rs.length * 3 + i] = len;
    size += fieldSize(len);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = writeOptionalStringField(buf, 0, 1, parts.systemVersionInfo, versionLen);
  for (let i = 0; i < rs.length; i++) {
    const r = rs[i]!;
    pos = writeLenField(buf, pos, 2, lens[i * 3 + 2]!);
    pos = writeOptionalStringField(buf, pos, 1, r.version, lens[i * 3 + 1]!);
    pos = writeBytesField(buf, pos, 2, r.any);
    pos = writeOptionalStringField(buf, pos, 3, r.name, lens[i * 3]!);
  }
  pos = writeOptionalBytesField(buf, pos, 4, typeUrl);
  pos = writeOptionalStringField(buf, pos, 5, parts.nonce, nonceLen);
  for (let i = 0; i < rm.length; i++) pos = writeStringField(buf, pos, 6, rm[i]!, lens[rs.length * 3 + i]!);
  return buf;
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
