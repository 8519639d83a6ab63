// Hand-written protobuf framing for messages assembled from already-encoded parts. Wrapping pre-encoded
// resources this way is one memory copy per response, instead of an encode of every resource per client.

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

/** Writes one length-delimited field with a one-byte tag; returns the new position. */
export function writeBytesField(buf: Uint8Array, pos: number, field: number, bytes: Uint8Array): number {
  buf[pos++] = lenTag(field);
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

const utf8 = new TextEncoder();

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}
