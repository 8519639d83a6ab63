// The debug HTTP server (node:http, no framework): JSON endpoints in istiod's shapes plus Horizon's own,
// Prometheus metrics, readiness. Every request is answered: unknown paths 404, bad queries 400, a
// handler bug 500, each as JSON `{error}`; nothing a caller sends can take the server down, and what one
// caller can hold is bounded: header and request time, header size and count, target length, query
// parameters, connections (see DebugHttpLimits).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { logger } from '../log.js';
import { hostPort, parseHostPort } from '../util/host-port.js';
import { LogSummary } from '../util/log-summary.js';
import { clipText, quoteInput } from '../util/quote.js';
import { bearerMatches, checkDebugListenPolicy, hostAllowed } from './auth.js';
import { DEBUG_BOUNDS } from './bounds.js';
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
  /** Overrides of the HTTP bounds (tests shorten the timeouts). */
  httpLimits?: Partial<DebugHttpLimits>;
  /** The web view's event streams and sessions (defaults: src/debug/ui). */
  ui?: UiServerOptions;
}

/** What one HTTP client may hold of the debug server. */
export interface DebugHttpLimits {
  /** The request's headers must have arrived by then (slowloris). */
  headersTimeoutMs: number;
  /** The whole request must have arrived by then. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (a reader that stopped reading). */
  idleTimeoutMs: number;
  /**
   * How often node:http looks for requests past those timeouts. Its default is 30 s, so without this a
   * 10 s headers timeout really meant up to 40 s.
   */
  checkIntervalMs: number;
  /** Open connections at once; more are refused (closed) until some close. */
  maxConnections: number;
  /** Bytes of the request line and headers together. */
  maxHeaderBytes: number;
  /** Header lines per request. */
  maxHeaders: number;
}

export const defaultDebugHttpLimits: Readonly<DebugHttpLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  checkIntervalMs: 1_000,
  maxConnections: 256,
  maxHeaderBytes: 16 * 1024,
  maxHeaders: 64,
});

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
  const limits: DebugHttpLimits = { ...defaultDebugHttpLimits, ...options.httpLimits };
  const ui = createUiServer(options.source, token, limits.maxConnections, options.ui);

  // A slow or silent client may not hold a socket for long: these timeouts are checked every checkIntervalMs.
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      maxHeaderSize: limits.maxHeaderBytes,
    },
    (req, res) => {
      handle(req, res).catch((err) => {
        log.error({ err }, 'debug request failed');
        if (!res.headersSent) send(res, { status: 500, json: { error: `internal error: ${(err as Error).message}` } }, false);
        else res.destroy();
      });
    },
  );
  server.maxHeadersCount = limits.maxHeaders;
  server.maxConnections = limits.maxConnections;
  // No 'timeout' listener: node:http destroys a socket idle this long.
  server.timeout = limits.idleTimeoutMs;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The debug API reads no request bodies: a request that sends one does not keep its connection
    // (node:http would otherwise read the whole body to reuse it).
    if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.shouldKeepAlive = false;
    // Without a token, only requests addressed to this machine by a loopback name (DNS rebinding).
    if (token === undefined && !hostAllowed(req.headers.host, host)) {
      const error =
        `request addressed to host ${quoteInput(req.headers.host ?? '', DEBUG_BOUNDS.echoChars)} refused: without a debug token this API answers only requests ` +
        `addressed to a loopback name or address (localhost, 127.x.x.x, [::1]) or ${host}, so that a web page of another site cannot read it by ` +
        `pointing its own name at this machine (DNS rebinding); open http://${hostPort(host, req.socket.localPort ?? 0)} instead, or set a debug token`;
      return send(res, { status: 421, json: { error } }, false);
    }
    const target = req.url ?? '/';
    if (target.length > DEBUG_BOUNDS.targetChars) {
      return send(res, { status: 414, json: { error: `request target of ${target.length} characters: at most ${DEBUG_BOUNDS.targetChars}` } }, false);
    }
    let url: URL;
    try {
      // Origin-form targets ("/debug?x") are joined as text: "//x" must stay a path, not become a host.
      url = new URL(target.startsWith('/') ? `http://debug.invalid${target}` : target);
    } catch {
      return send(res, { status: 400, json: { error: `malformed request target ${quoteInput(target, DEBUG_BOUNDS.echoChars)}` } }, false);
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
      return send(res, { status: 404, json: { error: `no debug endpoint ${clipText(path, DEBUG_BOUNDS.echoChars)}; GET /debug lists them` } }, pretty);
    }
    const queryProblem = checkQuery(url.searchParams);
    if (queryProblem) return send(res, { status: 400, json: { error: queryProblem } }, pretty);
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
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Malformed, oversized or too slow: answer with the status that says which if the socket still can,
    // then close it; never crash.
    if (!socket.writable) return socket.destroy();
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    // A client that does not read the answer must not keep the socket either.
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
  // A flood of connections is refused past maxConnections; said once, then counted.
  const drops = new LogSummary();
  server.on('drop', (data?: { remoteAddress?: string }) =>
    drops.report('drop', {
      first: () => log.warn({ maxConnections: limits.maxConnections, from: data?.remoteAddress }, 'debug server at its connection limit: refusing new connections'),
      summary: (n, windowMs) => log.warn({ refused: n, windowMs, maxConnections: limits.maxConnections }, 'debug server refused more connections at its limit'),
    }),
  );

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
        drops.close();
        ui.close();
        server.close(() => resolve());
        // Keep-alive sockets (fetch keeps them) would hold close() open.
        server.closeAllConnections();
      })),
  };
}

/** What is wrong with a query, or undefined: too many parameters, or a value too long to be a name. */
function checkQuery(params: URLSearchParams): string | undefined {
  let count = 0;
  for (const [name, value] of params) {
    if (++count > DEBUG_BOUNDS.queryParams) return `too many query parameters: at most ${DEBUG_BOUNDS.queryParams}`;
    if (name.length > DEBUG_BOUNDS.echoChars) return `query parameter name ${quoteInput(name, DEBUG_BOUNDS.echoChars)} is not one the debug API knows`;
    if (value.length > DEBUG_BOUNDS.paramChars) {
      return `query parameter ${name}=${quoteInput(value, DEBUG_BOUNDS.echoChars)} is too long: at most ${DEBUG_BOUNDS.paramChars} characters`;
    }
  }
  return undefined;
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
