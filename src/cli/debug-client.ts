// How the CLI talks to a running Horizon: GET on its debug API, JSON back. Every failure becomes one
// sentence that says what happened and what to do (start horizon serve, pass --server, pass --token).
import { Option, type Command } from 'commander';

export const DEFAULT_DEBUG_SERVER = 'http://127.0.0.1:15014';
const TIMEOUT_MS = 15_000;

export interface DebugClientFlags {
  server: string;
  token?: string;
}

/** --server and --token, shared by every command that reads the debug API. */
export function addDebugClientOptions(command: Command): Command {
  return command
    .option('--server <url>', "Horizon's debug API (horizon serve --debug-address)", DEFAULT_DEBUG_SERVER)
    .addOption(new Option('--token <token>', 'bearer token of the debug API').env('HORIZON_DEBUG_TOKEN'));
}

export class DebugApiError extends Error {
  override name = 'DebugApiError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** `host:port` or a URL -> base URL; a clear error for anything else. */
export function debugBaseUrl(server: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `http://${server}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DebugApiError(`--server "${server}" is not a URL like ${DEFAULT_DEBUG_SERVER}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DebugApiError(`--server "${server}" must be an http:// or https:// URL`);
  return url;
}

const NETWORK_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ECONNABORTED: 'connection aborted',
  UND_ERR_SOCKET: 'connection closed',
};

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const code = e.cause?.code ?? e.cause?.errors?.[0]?.code;
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code]!;
  return e.cause?.message ?? e.message ?? String(err);
}

export async function debugGet<T>(flags: DebugClientFlags, path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const base = debugBaseUrl(flags.server);
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`;
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  const where = base.href.replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'application/json', ...(flags.token ? { authorization: `Bearer ${flags.token}` } : {}) },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new DebugApiError(`cannot reach Horizon's debug API at ${where} (${networkReason(err)}): is horizon serve running? pass --server`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new DebugApiError(`${where}${path} answered ${res.status} with something that is not JSON: is --server Horizon's debug address (default port 15014)?`, res.status);
  }
  if (res.status === 401) {
    throw new DebugApiError(
      flags.token
        ? `Horizon's debug API at ${where} refused the token: check --token / HORIZON_DEBUG_TOKEN`
        : `Horizon's debug API at ${where} requires a token: pass --token or set HORIZON_DEBUG_TOKEN`,
      401,
    );
  }
  if (!res.ok) {
    const message = (body as { error?: unknown })?.error;
    throw new DebugApiError(typeof message === 'string' ? message : `${where}${path} answered ${res.status}`, res.status);
  }
  return body as T;
}
