// Hand-written protobuf framing for messages assembled from already-encoded parts. Wrapping pre-encoded
// resources this way is one memory copy per response, instead of an encode of every resource per client.
// The one set of writers every hand-written encoder (responses, Any, ClusterLoadAssignment) uses.

/** Wire type 2 (length-delimited) tag byte for a field number below 16. */
export function lenTag(field: number): number {
  return (field << 3) | 2;
}

export function varintSize(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x200000) return 3;
  if (n < 0x10000000) return 4;
  return 5;
}

export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** Size of one length-delimited field (tag + length + payload) with a payload of `len` bytes. */
export function fieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

/** Size of a proto3 string/bytes field that is left out when empty. */
export function optionalFieldSize(len: number): number {
  return len === 0 ? 0 : fieldSize(len);
}

/** Writes the tag and length of a length-delimited field (one-byte tag); the payload follows. */
export function writeLenField(buf: Uint8Array, pos: number, field: number, len: number): number {
  buf[pos++] = lenTag(field);
  return writeVarint(buf, pos, len);
}

/** Writes one length-delimited field with a one-byte tag; returns the new position. */
export function writeBytesField(buf: Uint8Array, pos: number, field: number, bytes: Uint8Array): number {
  pos = writeLenField(buf, pos, field, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** writeBytesField, leaving an empty value out (proto3). */
export function writeOptionalBytesField(buf: Uint8Array, pos: number, field: number, bytes: Uint8Array): number {
  return bytes.length === 0 ? pos : writeBytesField(buf, pos, field, bytes);
}

const utf8 = new TextEncoder();

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}

const interned = new Map<string, Uint8Array>();

/** UTF-8 bytes of a string that repeats on every message (type URLs); the map stays as small as the set of types. */
export function cachedUtf8(s: string): Uint8Array {
  let b = interned.get(s);
  if (!b) {
    b = utf8Bytes(s);
    if (interned.size < 64) interned.set(s, b);
  }
  return b;
}

/** Bytes a string takes in UTF-8. */
export function utf8Length(s: string): number {
  // Pure ASCII (addresses, versions, nonces, most names) is as long in bytes as in characters.
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

/** Writes a string's UTF-8 bytes (byteLength from utf8Length) straight into the buffer, no byte array between. */
export function writeUtf8(buf: Uint8Array, pos: number, s: string, byteLength: number): number {
  if (byteLength === s.length) {
    for (let i = 0; i < byteLength; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + byteLength;
  }
  const r = utf8.encodeInto(s, buf.subarray(pos, pos + byteLength));
  return pos + r.written;
}

/** Writes a string field (byteLength from utf8Length). */
export function writeStringField(buf: Uint8Array, pos: number, field: number, s: string, byteLength: number): number {
  pos = writeLenField(buf, pos, field, byteLength);
  return writeUtf8(buf, pos, s, byteLength);
}

/** writeStringField, leaving an empty string out (proto3). */
export function writeOptionalStringField(buf: Uint8Array, pos: number, field: number, s: string, byteLength: number): number {
  return byteLength === 0 ? pos : writeStringField(buf, pos, field, s, byteLength);
}
