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
