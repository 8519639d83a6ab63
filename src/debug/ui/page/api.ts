// Reading the debug API from the page. Paths are relative ("debug/clusterz"), so the page works behind
// a reverse proxy that mounts Horizon under a prefix. The session cookie (if any) goes along by itself.

export type Fetched<T> =
  | { ok: true; value: T }
  /** 401: the token is needed (or the session expired). */
  | { ok: false; kind: 'auth'; error: string }
  /** The server answered with an error (400/404/500...). */
  | { ok: false; kind: 'http'; status: number; error: string }
  /** No answer: the server is gone or unreachable. */
  | { ok: false; kind: 'network'; error: string };

const TIMEOUT_MS = 10_000;

export async function getJson<T>(path: string): Promise<Fetched<T>> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, kind: 'network', error: err instanceof Error ? err.message : String(err) };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const error = typeof (body as { error?: unknown } | undefined)?.error === 'string' ? (body as { error: string }).error : `HTTP ${res.status}`;
  if (res.status === 401) return { ok: false, kind: 'auth', error };
  if (!res.ok) return { ok: false, kind: 'http', status: res.status, error };
  return { ok: true, value: body as T };
}

/** Trades the token for a session cookie (the token itself is not kept by the page). */
export async function signIn(token: string): Promise<{ ok: true } | { ok: false; error: string }> {
  try {
    const res = await fetch('ui/session', { headers: { authorization: `Bearer ${token}` }, credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) return { ok: true };
    const body = (await res.json().catch(() => undefined)) as { error?: string } | undefined;
    return { ok: false, error: body?.error ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A query string from parameters, for the JSON links and fetches alike. */
export function query(path: string, params: Record<string, string | number>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) q.set(k, String(v));
  return `${path}?${q.toString()}`;
}
