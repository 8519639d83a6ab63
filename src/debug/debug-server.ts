// The debug HTTP server (node:http, no framework): JSON endpoints in istiod's shapes plus Horizon's own,
// Prometheus metrics, readiness. Every request is answered: unknown paths 404, bad queries 400, a
// handler bug 500, each as JSON `{error}`; nothing a caller sends can take the server down.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { logger } from '../log.js';
import { hostPort, parseHostPort } from '../util/host-port.js';
import { bearerMatches, checkDebugListenPolicy } from './auth.js';
import { HttpError } from './http-error.js';
import type { HorizonMetrics } from './metrics.js';
import { ROUTE_BY_PATH, type RouteResult } from './routes.js';
import type { DebugSource } from './source.js';
import { createUiServer, type UiServerOptions } from './ui/ui-routes.js';

export interface DebugServerOptions {
  /** 'host:port'; port 0 picks a free one. A non-loopback host requires `token`. */
  address: string;
  /** When set, every request (but /healthz and /ready) must send `Authorization: Bearer <token>`. */
  token?: string;
  source: DebugSource;
  metrics: HorizonMetrics;
  /** The web view's event streams and sessions (defaults: src/debug/ui). */
  ui?: UiServerOptions;
}

export interface DebugServer {
  /** 'host:port' with the bound port. */
  readonly address: string;
  /** 'http://host:port' */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Validates the address and the token policy without listening (so start-up can fail before anything runs). */
export function checkDebugAddress(address: string, token: string | undefined): { host: string; port: number } {
  const hp = parseHostPort(address, 'debug address', '15014');
  checkDebugListenPolicy(address, hp.host, token || undefined);
  return hp;
}

export async function startDebugServer(options: DebugServerOptions): Promise<DebugServer> {
  const token = options.token || undefined;
  const { host, port: wanted } = checkDebugAddress(options.address, token);
  const log = logger('debug');
  const ui = createUiServer(options.source, token, options.ui);

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log.error({ err }, 'debug request failed');
      if (!res.headersSent) send(res, { status: 500, json: { error: `internal error: ${(err as Error).message}` } }, false);
      else res.destroy();
    });
  });
  // A slow or silent client may not hold a socket for long.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      // Origin-form targets ("/debug?x") are joined as text: "//x" must stay a path, not become a host.
      const target = req.url ?? '/';
      url = new URL(target.startsWith('/') ? `http://debug.invalid${target}` : target);
    } catch {
      return send(res, { status: 400, json: { error: `malformed request target ${JSON.stringify(req.url)}` } }, false);
    }
    const pretty = url.searchParams.has('pretty');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, { status: 405, json: { error: `${req.method} is not supported: the debug API is read-only (GET)` } }, pretty);
    }
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const route = ROUTE_BY_PATH.get(path);
    const authenticated = token === undefined || bearerMatches(req.headers.authorization, token) || ui.sessions.sessionOf(req) !== undefined;
    if (!authenticated && !route?.public) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="horizon-debug"');
      return send(res, { status: 401, json: { error: 'this debug API requires a token: send "Authorization: Bearer <token>" (horizon CLI: --token or HORIZON_DEBUG_TOKEN)' } }, pretty);
    }
    if (!route) {
      return send(res, { status: 404, json: { error: `no debug endpoint ${path}; GET /debug lists them` } }, pretty);
    }
    let result: RouteResult;
    try {
      result = await route.handle({ source: options.source, metrics: options.metrics, params: url.searchParams, authenticated, req, ui });
    } catch (err) {
      if (err instanceof HttpError) result = { status: err.status, json: { error: err.message, ...err.details } };
      else throw err;
    }
    send(res, result, pretty, req.method === 'HEAD');
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') reject(new Error(`debug address ${options.address} is already in use: pick another with --debug-address or --debug-port`));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') reject(new Error(`debug address ${options.address} is not an address of this machine (${err.code})`));
      else if (err.code === 'EACCES') reject(new Error(`debug address ${options.address}: permission denied to listen there`));
      else reject(new Error(`debug server could not listen on ${options.address}: ${err.message}`));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port: wanted, exclusive: true });
  });
  server.on('error', (err) => log.error({ err }, 'debug server error'));
  server.on('clientError', (_err, socket) => {
    // Malformed HTTP: answer 400 if the socket still can, never crash.
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const bound = (server.address() as AddressInfo).port;
  const address = hostPort(host, bound);
  log.info({ address, auth: token !== undefined }, 'debug server listening');
  let closed: Promise<void> | undefined;
  return {
    address,
    url: `http://${address}`,
    port: bound,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        ui.close();
        server.close(() => resolve());
        // Keep-alive sockets (fetch keeps them) would hold close() open.
        server.closeAllConnections();
      })),
  };
}

function send(res: ServerResponse, result: RouteResult, pretty: boolean, headOnly = false): void {
  if ('stream' in result) {
    if (!headOnly) return result.stream(res);
    result = { status: 200, text: '', contentType: 'text/event-stream; charset=utf-8' };
  }
  let body: string;
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if ('text' in result) {
    res.setHeader('Content-Type', result.contentType);
    body = result.text;
  } else {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    body = `${JSON.stringify(result.json, null, pretty ? 2 : undefined)}\n`;
  }
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.statusCode = result.status;
  res.end(headOnly ? undefined : body);
}
