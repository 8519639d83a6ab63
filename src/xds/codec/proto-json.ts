// xDS messages as proto3 JSON, for the debug API: camelCase field names, enums by name, wrapper types as
// their plain value, Struct as the JSON it stands for, Duration as "1.5s", Any expanded with "@type",
// fields at their default value left out. This is what `istioctl` and Envoy's admin API users read.
// 64-bit integers are plain numbers (they are weights, ports and seconds here, far below 2^53).
import protobuf from 'protobufjs';
import { xdsTypes } from '../proto.js';
import type { JsonObject, JsonValue } from './struct.js';
import { errorText, fail, ok, strictView, type Decoded } from './result.js';

const WRAPPER_DEFAULTS: Readonly<Record<string, JsonValue>> = {
  '.google.protobuf.UInt32Value': 0,
  '.google.protobuf.UInt64Value': 0,
  '.google.protobuf.Int32Value': 0,
  '.google.protobuf.Int64Value': 0,
  '.google.protobuf.DoubleValue': 0,
  '.google.protobuf.FloatValue': 0,
  '.google.protobuf.BoolValue': false,
  '.google.protobuf.StringValue': '',
};

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

type Msg = Record<string, unknown>;

/** Decodes a resource's own bytes (the `value` inside its Any) as proto3 JSON. */
export function resourceToProto3Json(typeUrl: string, bytes: Uint8Array): Decoded<JsonObject> {
  try {
    const type = lookupTypeUrl(typeUrl);
    if (!type) return fail(`unknown type ${typeUrl}`);
    return ok(messageJson(type, type.decode(strictView(bytes)) as unknown as Msg) as JsonObject);
  } catch (err) {
    return fail(`cannot decode ${typeUrl}: ${errorText(err)}`);
  }
}

/** An encoded google.protobuf.Any (as EncodedResource.any holds) as proto3 JSON with "@type". */
export function anyToProto3Json(anyBytes: Uint8Array): Decoded<JsonObject> {
  try {
    const t = xdsTypes().Any;
    return ok(messageJson(t, t.decode(strictView(anyBytes)) as unknown as Msg) as JsonObject);
  } catch (err) {
    return fail(`cannot decode Any: ${errorText(err)}`);
  }
}

function lookupTypeUrl(typeUrl: string): protobuf.Type | undefined {
  const name = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
  try {
    return xdsTypes().root.lookupType(name);
  } catch {
    return undefined;
  }
}

function messageJson(type: protobuf.Type, msg: Msg): JsonValue {
  const special = wellKnown(type, msg);
  if (special !== undefined) return special;
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    // Decoded messages carry unset fields on their prototype: only own properties were on the wire.
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    const v = msg[field.name];
    if (v === null || v === undefined) continue;
    field.resolve();
    if (field.map) {
      const entries = Object.entries(v as Record<string, unknown>);
      if (entries.length === 0) continue;
      const obj: JsonObject = {};
      for (const [k, item] of entries) obj[k] = valueJson(field, item);
      out[field.name] = obj;
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length === 0) continue;
      out[field.name] = arr.map((item) => valueJson(field, item));
    } else {
      const j = valueJson(field, v);
      // proto3: a scalar at its default is indistinguishable from unset, unless it has presence (oneof, optional).
      if (!field.partOf && !(field.resolvedType instanceof protobuf.Type) && isDefault(j, field)) continue;
      out[field.name] = j;
    }
  }
  return out;
}

function isDefault(j: JsonValue, field: protobuf.Field): boolean {
  if (field.resolvedType instanceof protobuf.Enum) {
    const zero = field.resolvedType.valuesById[0];
    return j === 0 || (zero !== undefined && j === zero);
  }
  return j === 0 || j === '' || j === false;
}

function valueJson(field: protobuf.Field, v: unknown): JsonValue {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) return messageJson(rt, v as Msg);
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? (rt.valuesById[v] ?? v) : String(v);
  return scalarJson(field.type, v);
}

function scalarJson(type: string, v: unknown): JsonValue {
  if (LONG_TYPES.has(type)) return typeof v === 'number' ? v : Number(String(v));
  if (type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (type === 'double' || type === 'float') {
    const n = v as number;
    if (Number.isNaN(n)) return 'NaN';
    if (n === Infinity) return 'Infinity';
    if (n === -Infinity) return '-Infinity';
    return n;
  }
  return v as JsonValue;
}

/** The well-known types proto3 JSON writes in their own way; undefined for ordinary messages. */
function wellKnown(type: protobuf.Type, msg: Msg): JsonValue | undefined {
  const name = type.fullName;
  if (name in WRAPPER_DEFAULTS) {
    const field = type.fields.value!;
    const v = msg.value;
    return v === undefined || v === null ? WRAPPER_DEFAULTS[name]! : scalarJson(field.type, v);
  }
  switch (name) {
    case '.google.protobuf.Struct':
      return structJson(msg);
    case '.google.protobuf.Value':
      return valueOfJson(msg);
    case '.google.protobuf.ListValue':
      return ((msg.values as Msg[] | undefined) ?? []).map(valueOfJson);
    case '.google.protobuf.Duration':
      return durationJson(Number(String(msg.seconds ?? 0)), Number(msg.nanos ?? 0));
    case '.google.protobuf.Any':
      return anyJson(String(msg.typeUrl ?? ''), (msg.value as Uint8Array | undefined) ?? new Uint8Array());
    default:
      return undefined;
  }
}

// Struct and Value by hand: a decoded Value has every kind on its prototype, only the set one is its own.
function structJson(msg: Msg): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries((msg.fields as Record<string, Msg> | undefined) ?? {})) out[k] = valueOfJson(v);
  return out;
}

function valueOfJson(msg: Msg | null | undefined): JsonValue {
  if (!msg || typeof msg !== 'object') return null;
  const own = (k: string) => Object.prototype.hasOwnProperty.call(msg, k) && msg[k] !== null && msg[k] !== undefined;
  if (own('stringValue')) return msg.stringValue as string;
  if (own('numberValue')) return msg.numberValue as number;
  if (own('boolValue')) return msg.boolValue as boolean;
  if (own('structValue')) return structJson(msg.structValue as Msg);
  if (own('listValue')) return (((msg.listValue as Msg).values as Msg[] | undefined) ?? []).map(valueOfJson);
  return null;
}

/** "1.5s", "0s", "-0.000000001s": seconds with 0, 3, 6 or 9 fractional digits. */
function durationJson(seconds: number, nanos: number): string {
  if (nanos === 0) return `${seconds}s`;
  const negative = seconds < 0 || nanos < 0;
  const s = Math.abs(seconds);
  let frac = String(Math.abs(nanos)).padStart(9, '0');
  if (frac.endsWith('000000')) frac = frac.slice(0, 3);
  else if (frac.endsWith('000')) frac = frac.slice(0, 6);
  return `${negative ? '-' : ''}${s}.${frac}s`;
}

function anyJson(typeUrl: string, value: Uint8Array): JsonValue {
  const type = lookupTypeUrl(typeUrl);
  if (!type) return { '@type': typeUrl, value: Buffer.from(value).toString('base64') };
  const inner = messageJson(type, type.decode(strictView(value)) as unknown as Msg);
  // Well-known types that are not JSON objects go under "value", as proto3 JSON does.
  if (inner === null || typeof inner !== 'object' || Array.isArray(inner) || wellKnownName(type)) {
    return { '@type': typeUrl, value: inner };
  }
  return { '@type': typeUrl, ...inner };
}

function wellKnownName(type: protobuf.Type): boolean {
  return type.fullName.startsWith('.google.protobuf.');
}
