// google.protobuf.Struct <-> plain JSON. protobufjs's toObject leaves a Struct as {fields: {k: {stringValue}}};
// Horizon wants the JSON it stands for, and builds Structs from JSON when it sends node metadata.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** A decoded protobuf Value (camelCase fields, as protobufjs gives them). */
export interface PbValue {
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: PbStruct;
  listValue?: { values?: PbValue[] };
}
export interface PbStruct {
  fields?: Record<string, PbValue>;
}

export function structToJson(struct: PbStruct | null | undefined): JsonObject {
  const out: JsonObject = {};
  if (!struct || typeof struct !== 'object' || !struct.fields) return out;
  for (const [key, value] of Object.entries(struct.fields)) out[key] = valueToJson(value);
  return out;
}

export function valueToJson(value: PbValue | null | undefined): JsonValue {
  if (!value || typeof value !== 'object') return null;
  if (value.stringValue !== undefined && value.stringValue !== null) return value.stringValue;
  if (value.numberValue !== undefined && value.numberValue !== null) return value.numberValue;
  if (value.boolValue !== undefined && value.boolValue !== null) return value.boolValue;
  if (value.structValue) return structToJson(value.structValue);
  if (value.listValue) return (value.listValue.values ?? []).map(valueToJson);
  return null;
}

export function jsonToStruct(json: Readonly<Record<string, unknown>>): PbStruct {
  const fields: Record<string, PbValue> = {};
  for (const [key, value] of Object.entries(json)) {
    if (value !== undefined) fields[key] = jsonToValue(value);
  }
  return { fields };
}

export function jsonToValue(value: unknown): PbValue {
  if (value === null || value === undefined) return { nullValue: 0 };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(jsonToValue) } };
  if (typeof value === 'object') return { structValue: jsonToStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}
