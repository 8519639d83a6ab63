// An east-west gateway for one network: a plaintext HTTP/2 (h2c) listener that forwards every
// request, by its `:authority`, to one ready endpoint of that service in its own network (round robin),
// streaming headers, data and trailers both ways. Istio's real east-west gateway routes mTLS by SNI;
// without TLS in the demo, the authority carries the same information.
import http2 from 'node:http2';
import type { NetworkId } from '../model/types.js';
import { logger } from '../log.js';
import { BackendSessionPool } from './backend-session-pool.js';
import type { BackendAddress, ResolveEndpoints } from './endpoint-resolver.js';
import { GatewayCounters, type GatewayStats } from './gateway-stats.js';
import { grpcStatus, respondWithError } from './grpc-error-response.js';
import { hostPort } from '../util/host-port.js';
import { defaultDomain, parseServiceAuthority, type ServiceAuthority } from './service-authority.js';

export interface EastWestGatewayOptions {
  network: NetworkId;
  /** IP literal to listen on. */
  address: string;
  /** 0 picks a free port. */
  port: number;
  resolve: ResolveEndpoints;
  /** Cluster DNS domain of the accepted authorities (default cluster.local). */
  domain?: string;
  /** Give up on a backend that does not complete the HTTP/2 handshake in time (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Close pooled backend sessions idle for this long (default 120000 ms). */
  idleTimeoutMs?: number;
}

export interface EastWestGateway {
  readonly network: NetworkId;
  readonly address: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  stats(): GatewayStats;
  /** Stops listening, ends every client and backend session. */
  close(): Promise<void>;
}

const { NGHTTP2_CANCEL, NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM, NGHTTP2_FLAG_END_STREAM } = http2.constants;

// Connection-specific headers never cross a proxy (RFC 9113 §8.2.2); `host` is folded into :authority.
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

function forwardable(headers: http2.IncomingHttpHeaders, dropPseudo: boolean): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name)) continue;
    if (dropPseudo && name.startsWith(':')) continue;
    out[name] = value;
  }
  return out;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

// HTTP/2 error codes (RFC 9113 §7), for messages a person reads.
const errorCodeNames = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

function rstName(code: number | undefined): string {
  if (code === undefined) return 'no error code';
  return `${errorCodeNames[code] ?? 'error'} (${code})`;
}

/**
 * The code to reset a caller's stream with when its backend failed mid-response. A backend's own
 * specific code passes through (ENHANCE_YOUR_CALM means RESOURCE_EXHAUSTED to gRPC), but never one
 * that would lie to the caller: NO_ERROR (not an error), CANCEL (the caller did not cancel; Node also
 * reports it when the backend connection dropped) or REFUSED_STREAM (the call was processed, so it
 * must not look safely retryable).
 */
export function downstreamResetCode(backendCode: number | undefined): number {
  if (backendCode === undefined || [NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM].includes(backendCode)) {
    return NGHTTP2_INTERNAL_ERROR;
  }
  return backendCode;
}

export async function startEastWestGateway(options: EastWestGatewayOptions): Promise<EastWestGateway> {
  const { network, address, resolve } = options;
  const domain = options.domain ?? defaultDomain;
  const log = logger('dataplane.eastwest').child({ network });
  const counters = new GatewayCounters();
  const pool = new BackendSessionPool({
    log,
    ...(options.connectTimeoutMs !== undefined && { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.idleTimeoutMs !== undefined && { idleTimeoutMs: options.idleTimeoutMs }),
  });
  const rotation = new Map<string, number>();
  const clientSessions = new Set<http2.ServerHttp2Session>();
  const prefix = `eastwest gateway ${network}`;

  const pick = (key: string, endpoints: readonly BackendAddress[]): BackendAddress => {
    const next = rotation.get(key) ?? 0;
    rotation.set(key, (next + 1) % endpoints.length);
    return endpoints[next % endpoints.length]!;
  };

  const proxy = (down: http2.ServerHttp2Stream, request: http2.IncomingHttpHeaders, service: ServiceAuthority, backend: BackendAddress) => {
    const backendKey = hostPort(backend.address, backend.port);
    let finished = false;
    let responded = false;
    let upstreamEnded = false;
    let trailers: http2.OutgoingHttpHeaders | undefined;

    const fail = (why: string, rstCode?: number) => {
      if (finished) return;
      finished = true;
      counters.failed(service.key, backendKey);
      log.debug({ service: service.key, backend: backendKey, why }, 'call failed at backend');
      if (!responded) {
        respondWithError(down, request, grpcStatus.UNAVAILABLE, `${prefix}: backend ${backendKey} for ${service.key} failed: ${why}`);
      } else if (!down.closed && !down.destroyed) {
        // Response already under way: the only honest signal left is resetting this one stream.
        down.close(downstreamResetCode(rstCode));
      }
    };

    let up: http2.ClientHttp2Stream;
    try {
      up = pool.session(backend).request(forwardable(request, false), { endStream: false });
    } catch (err) {
      counters.forwarded(service.key, backendKey);
      fail(err instanceof Error ? err.message : String(err));
      return;
    }
    counters.forwarded(service.key, backendKey);

    up.on('response', (headers, flags) => {
      if (down.closed || down.destroyed) return;
      responded = true;
      if (flags & NGHTTP2_FLAG_END_STREAM) {
        // Trailers-only answer (how gRPC servers send most errors).
        finished = true;
        down.respond(forwardable(headers, false), { endStream: true });
        return;
      }
      down.respond(forwardable(headers, false), { waitForTrailers: true });
      up.pipe(down);
    });
    up.on('trailers', (headers) => {
      trailers = forwardable(headers, true);
    });
    up.on('end', () => {
      upstreamEnded = true;
    });
    // Node wraps connect failures ("pending stream has been canceled"); the cause is what helps.
    up.on('error', (err) => fail(err.cause instanceof Error ? err.cause.message : err.message, up.rstCode));
    up.on('close', () => {
      if (finished) return;
      if (!upstreamEnded || (up.rstCode !== undefined && up.rstCode !== NGHTTP2_NO_ERROR)) {
        fail(`stream closed by the backend with ${rstName(up.rstCode)}`, up.rstCode);
      }
    });

    down.on('wantTrailers', () => {
      finished = true;
      down.sendTrailers(trailers ?? {});
    });
    down.on('close', () => {
      // The caller went away (cancel, deadline) or the call is done: not the gateway's failure.
      finished = true;
      if (!up.closed && !up.destroyed) up.close(NGHTTP2_CANCEL);
    });
    down.pipe(up);
  };

  const handle = async (down: http2.ServerHttp2Stream, request: http2.IncomingHttpHeaders) => {
    const authority = firstHeader(request[':authority']) ?? firstHeader(request.host) ?? '';
    const parsed = parseServiceAuthority(authority, domain);
    if (!parsed.ok) {
      counters.rejected(authority);
      respondWithError(down, request, grpcStatus.UNAVAILABLE, `${prefix}: ${parsed.error}`);
      return;
    }
    const service = parsed.value;
    let endpoints: readonly BackendAddress[];
    try {
      endpoints = await resolve(service.hostname, service.port);
    } catch (err) {
      counters.failed(service.key);
      const why = err instanceof Error ? err.message : String(err);
      respondWithError(down, request, grpcStatus.UNAVAILABLE, `${prefix}: cannot resolve ${service.key}: ${why}`);
      return;
    }
    if (down.closed || down.destroyed) return;
    if (endpoints.length === 0) {
      counters.failed(service.key);
      respondWithError(down, request, grpcStatus.UNAVAILABLE, `${prefix}: no ready endpoint for ${service.key}`);
      return;
    }
    proxy(down, request, service, pick(service.key, endpoints));
  };

  const server = http2.createServer();
  server.on('session', (session) => {
    clientSessions.add(session);
    session.on('error', (err) => log.debug({ err: err.message }, 'client session error'));
    session.once('close', () => clientSessions.delete(session));
  });
  server.on('stream', (down, request) => {
    down.on('error', (err) => log.debug({ err: err.message }, 'client stream error'));
    handle(down, request).catch((err: unknown) => {
      // A bug here must cost one stream, never the gateway.
      log.error({ err }, 'east-west gateway stream handler failed');
      if (!down.closed && !down.destroyed) down.close(NGHTTP2_INTERNAL_ERROR);
    });
  });

  const port = await new Promise<number>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'not an address of this host (or network namespace)' : err.message;
      reject(new Error(`${prefix}: cannot listen on ${hostPort(address, options.port)}: ${why}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen(options.port, address, () => {
      server.off('error', onError);
      const bound = server.address();
      resolveListen(typeof bound === 'object' && bound ? bound.port : options.port);
    });
  });
  server.on('error', (err) => log.error({ err: err.message }, 'east-west gateway server error'));
  log.debug({ address, port }, 'east-west gateway listening');

  let closing: Promise<void> | undefined;
  return {
    network,
    address,
    port,
    stats: () => ({ network, address, port, ...counters.snapshot(), backendSessions: pool.size }),
    close: () =>
      (closing ??= new Promise<void>((done) => {
        server.close(() => done());
        for (const session of clientSessions) session.destroy();
        pool.close();
      })),
  };
}
