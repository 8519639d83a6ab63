// Reading untrusted protobuf bytes by hand: varints, a walk over a message's top-level fields, and a
// bounded check of google.protobuf.Struct (node metadata) before protobufjs decodes it. Everything here
// throws Malformed on bytes that are not a message, and callers turn that into an error value.

/** A wire-level problem: the bytes are not the message they claim to be. */
export class Malformed extends Error {}

/** Where the last readVarint stopped (a module variable instead of a tuple: no allocation per field). */
let varintEnd = 0;

export function lastVarintEnd(): number {
  return varintEnd;
}

/** A varint at `pos` (at most 10 bytes, not past `end`); its end is lastVarintEnd(). */
export function readVarint(b: Uint8Array, pos: number, end: number): number {
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

/** field, wire type and the value's byte range (for wire type 2, the payload without its length). */
export type FieldVisitor = (field: number, wire: number, start: number, end: number) => void;

/**
 * Calls `visit` for every field of the message in [start, end). Groups (wire types 3 and 4) are refused:
 * no xDS client sends them, and skipping them would mean recursion the bytes decide.
 */
export function forEachField(b: Uint8Array, start: number, end: number, visit: FieldVisitor): void {
  let pos = start;
  while (pos < end) {
    const key = readVarint(b, pos, end);
    pos = varintEnd;
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field === 0) throw new Malformed('field number 0');
    let stop: number;
    switch (wire) {
      case 0:
        readVarint(b, pos, end);
        stop = varintEnd;
        break;
      case 1:
        stop = pos + 8;
        break;
      case 2: {
        const len = readVarint(b, pos, end);
        pos = varintEnd;
        stop = pos + len;
        break;
      }
      case 5:
        stop = pos + 4;
        break;
      default:
        throw new Malformed(`unsupported wire type ${wire} (field ${field})`);
    }
    if (stop > end) throw new Malformed(`field ${field} runs past the end`);
    visit(field, wire, pos, stop);
    pos = stop;
  }
}

/** Bytes and nesting of a google.protobuf.Struct, checked before anything allocates for it. */
export interface StructBounds {
  maxDepth: number;
}

function expectWire(field: number, wire: number, want: number, what: string): void {
  if (wire !== want) throw new Malformed(`${what} field ${field} has wire type ${wire}, expected ${want}`);
}

/**
 * Walks an encoded Struct {fields = 1: map<string, Value>} without allocating, checking wire types where
 * the schema fixes them and nesting (Struct in Value in Struct...) up to maxDepth. Throws Malformed.
 */
export function checkStruct(b: Uint8Array, start: number, end: number, bounds: StructBounds, depth = 1): void {
  if (depth > bounds.maxDepth) throw new Malformed(`Struct nested deeper than ${bounds.maxDepth} levels`);
  forEachField(b, start, end, (field, wire, s, e) => {
    if (field !== 1) return; // unknown fields are skipped, as protobuf does
    expectWire(field, wire, 2, 'Struct');
    // map entry {key = 1: string, value = 2: Value}
    forEachField(b, s, e, (f, w, vs, ve) => {
      if (f === 1) expectWire(f, w, 2, 'Struct entry');
      else if (f === 2) {
        expectWire(f, w, 2, 'Struct entry');
        checkValue(b, vs, ve, bounds, depth);
      }
    });
  });
}

/** Value {null = 1, number = 2, string = 3, bool = 4, struct = 5, list = 6 (ListValue {values = 1})}. */
function checkValue(b: Uint8Array, start: number, end: number, bounds: StructBounds, depth: number): void {
  forEachField(b, start, end, (field, wire, s, e) => {
    switch (field) {
      case 1:
      case 4:
        expectWire(field, wire, 0, 'Value');
        break;
      case 2:
        expectWire(field, wire, 1, 'Value');
        break;
      case 3:
        expectWire(field, wire, 2, 'Value');
        break;
      case 5:
        expectWire(field, wire, 2, 'Value');
        checkStruct(b, s, e, bounds, depth + 1);
        break;
      case 6:
        expectWire(field, wire, 2, 'Value');
        if (depth + 1 > bounds.maxDepth) throw new Malformed(`Struct nested deeper than ${bounds.maxDepth} levels`);
        forEachField(b, s, e, (f, w, ls, le) => {
          if (f !== 1) return;
          expectWire(f, w, 2, 'ListValue');
          checkValue(b, ls, le, bounds, depth + 1);
        });
        break;
      default:
        break;
    }
  });
}
