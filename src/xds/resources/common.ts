// Pieces shared by the resource encoders: errors, durations, metadata, config sources.
import { jsonToStruct, structToJson, type JsonObject, type JsonValue, type PbStruct } from '../codec/struct.js';

/** Thrown by an encoder given input that no xDS client would accept; the message says which field. */
export class XdsEncodeError extends Error {
  override name = 'XdsEncodeError';
}

/** Filter metadata: filter name (e.g. "istio") -> JSON object. */
export type FilterMetadata = Readonly<Record<string, Readonly<Record<string, JsonValue>>>>;

export function metadataMessage(m: FilterMetadata | undefined): { filterMetadata: Record<string, PbStruct> } | undefined {
  if (!m) return undefined;
  const filterMetadata: Record<string, PbStruct> = {};
  for (const [filter, json] of Object.entries(m)) filterMetadata[filter] = jsonToStruct(json);
  return { filterMetadata };
}

export function metadataFromMessage(m: { filterMetadata?: Record<string, PbStruct> } | undefined): Record<string, JsonObject> | undefined {
  if (!m?.filterMetadata) return undefined;
  const out: Record<string, JsonObject> = {};
  for (const [filter, s] of Object.entries(m.filterMetadata)) out[filter] = structToJson(s);
  return out;
}

export function durationMessage(ms: number, field: string): { seconds: number; nanos: number } {
  if (!Number.isFinite(ms) || ms < 0) throw new XdsEncodeError(`${field}: expected a duration in milliseconds >= 0, got ${ms}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function durationToMs(d: { seconds?: number | string; nanos?: number } | undefined): number | undefined {
  if (!d) return undefined;
  return Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6;
}

/** ConfigSource {ads: {}, resource_api_version: V3}: "over the same ADS stream, v3 resources". */
export const ADS_CONFIG_SOURCE = Object.freeze({ ads: {}, resourceApiVersion: 2 });

export function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new XdsEncodeError(`${field}: a non-empty name is required`);
  return value;
}

export function requireUint32(value: unknown, field: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0xffffffff) {
    throw new XdsEncodeError(`${field}: expected an integer from ${min} to 4294967295, got ${String(value)}`);
  }
  return value;
}
