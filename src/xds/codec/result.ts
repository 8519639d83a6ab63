// Errors as values at the protocol boundary: decoders return one of these and never throw.
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): Decoded<T> {
  return { ok: false, error };
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
