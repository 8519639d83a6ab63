// google.protobuf.Any built once per resource: the bytes every response then copies as they are.
import { hash } from 'node:crypto';
import { cachedUtf8, fieldSize, writeBytesField } from './wire.js';

/** Encoded google.protobuf.Any {type_url, value}. */
export function encodeAny(typeUrl: string, value: Uint8Array): Uint8Array {
  const url = cachedUtf8(typeUrl);
  const out = new Uint8Array(fieldSize(url.length) + fieldSize(value.length));
  let pos = writeBytesField(out, 0, 1, url);
  pos = writeBytesField(out, pos, 2, value);
  return out;
}

/** A resource ready to be served: what an XdsResourceProvider returns. */
export interface EncodedResource {
  name: string;
  version: string;
  /** Encoded google.protobuf.Any wrapping the resource. */
  any: Uint8Array;
}

/**
 * Wraps a resource's own bytes for serving. Without a version, the version is derived from the bytes,
 * so an unchanged resource keeps its version across re-encodes and is not resent.
 */
export function encodedResource(typeUrl: string, name: string, bytes: Uint8Array, version?: string): EncodedResource {
  return { name, version: version ?? contentVersion(bytes), any: encodeAny(typeUrl, bytes) };
}

/** A short, stable version string for some bytes (a hash: equal bytes, equal version). */
export function contentVersion(bytes: Uint8Array): string {
  // One-shot hash (no Hash object): this runs once per generated resource.
  return hash('sha1', bytes, 'base64url').slice(0, 16);
}
