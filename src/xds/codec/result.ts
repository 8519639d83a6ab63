// Errors as values at the protocol boundary: decoders return one of these and never throw.
import type { Limits } from '../../limits.js';
import { limitExceeded } from '../../limits.js';

/** A refusal names the limit it hit (so the server answers RESOURCE_EXHAUSTED and counts it). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string; limit?: keyof Limits };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): Decoded<T> {
  return { ok: false, error };
}

/** Input refused because it is over a limit: the message names the limit and its flag (limits.ts). */
export function overLimit<T = never>(key: keyof Limits, limit: number, actual?: number, where?: string): Decoded<T> {
  return { ok: false, error: `${where ? `${where}: ` : ''}${limitExceeded(key, limit, actual)}`, limit: key };
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * protobufjs reads a Buffer with a lenient reader that silently truncates a string running past the end;
 * a plain Uint8Array view of the same memory gets the strict reader, which reports it.
 */
export function strictView(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}
