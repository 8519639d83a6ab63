// The ADS gRPC server: StreamAggregatedResources (state of the world) and DeltaAggregatedResources
// (incremental), with raw Buffer (de)serializers: requests are decoded by Horizon's codec (so a malformed
// one is an error value, not an exception inside grpc-js) and responses are already bytes.
import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { limitExceeded, resolveLimits, type Limits } from '../../limits.js';
import { logger, type Logger } from '../../log.js';
import { hostPort, parseHostPort } from '../../util/host-port.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH } from '../type-urls.js';
import { StreamAdmission } from './admission.js';
import { ClientReports } from './client-reports.js';
import { Connection, type Call, type ConnectionContext, type ConnTypeState } from './connection.js';
import { deltaProtocol } from './delta-protocol.js';
import type { XdsServerObserver } from './observer.js';
import type { StreamProtocol } from './protocol.js';
import type { PushRequest, XdsResourceProvider } from './provider.js';
import type { ConnectionSnapshot } from './snapshot.js';
import { sotwProtocol } from './sotw-protocol.js';
import { SubscriptionIndex } from './subscription-index.js';

export interface XdsServerOptions {
  /** 'host:port'; port 0 picks a free port. IPv6 as '[::1]:15010'. */
  address: string;
  provider: XdsResourceProvider;
  observer?: XdsServerObserver;
  /** Size limits (limits.ts); defaults for what is not given. */
  limits?: Partial<Limits>;
  /** Socket time bounds (DEFAULT_SOCKET_BOUNDS for what is not given). */
  socketBounds?: Partial<SocketBounds>;
  /** Extra grpc-js server options, over what Horizon sets (they win). */
  grpcOptions?: grpc.ServerOptions;
  /** Window of the summarised client logs (NACKs, limits, broken requests); default 30 s. */
  logWindowMs?: number;
  log?: Logger;
}

export interface XdsServer {
  /** 'host:port' with the bound port. */
  readonly address: string;
  readonly port: number;
  /** Works out which connections a change affects and sends them what changed. Synchronous. */
  push(request: PushRequest): void;
  /** A snapshot of every connected stream. */
  connections(): ConnectionSnapshot[];
  /** Number of open streams (cheap; for metrics). */
  connectionCount(): number;
  /** The server's current version (the push sequence), as sent in version_info. */
  version(): string;
  /** The names of `host` some stream subscribes to, per type (the subscription index's answer). */
  subscribedNames(typeUrl: string, host: string): string[];
  /** Ends every stream and stops listening. */
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

/** A push flushes connections for about this long before it lets the event loop run (ms). */
export const PUSH_SLICE_MS = 4;

/**
 * How long a socket may go without speaking HTTP/2 properly. One that never finishes its preface, sends
 * half a header block, or sent frames Node's HTTP/2 rejected (Node answers GOAWAY, then stops reading
 * without closing the socket) stops answering pings and is dropped by keepalive; a connection with no
 * stream at all is closed when idle. Real clients answer pings on their own and keep their ADS stream.
 */
export interface SocketBounds {
  /** The server pings every connection this often (grpc.keepalive_time_ms). */
  keepaliveMs: number;
  /** ...and closes it when the answer takes longer than this (grpc.keepalive_timeout_ms). */
  keepaliveTimeoutMs: number;
  /** A connection without any stream for this long is closed (grpc.max_connection_idle_ms). */
  idleMs: number;
}

export const DEFAULT_SOCKET_BOUNDS: Readonly<SocketBounds> = Object.freeze({ keepaliveMs: 30_000, keepaliveTimeoutMs: 20_000, idleMs: 60_000 });

function adsServiceDefinition(): grpc.ServiceDefinition {
  const method = (path: string): grpc.MethodDefinition<Buffer, Buffer> => ({
    path,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  });
  return {
    StreamAggregatedResources: method(ADS_SOTW_PATH),
    DeltaAggregatedResources: method(ADS_DELTA_PATH),
  };
}

/**
 * Checks a fixed port before grpc-js tries it, so "in use" is reported plainly (grpc-js would also log
 * its own generic error line). Other problems are left for the real bind to report.
 */
function checkPortFree(host: string, port: number, address: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`xDS address ${address} is already in use`));
      else resolve();
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function startXdsServer(options: XdsServerOptions): Promise<XdsServer> {
  const { host, port: wantedPort } = parseHostPort(options.address, 'xDS address');
  await checkPortFree(host, wantedPort, options.address);
  const log = options.log ?? logger('xds-server');
  const limits = resolveLimits(options.limits);
  const provider = options.provider;
  const index = new SubscriptionIndex<ConnTypeState>(provider.hostOf ? (typeUrl, name) => provider.hostOf!(typeUrl, name) : (_typeUrl, name) => name);
  const connections = new Map<string, Connection>();
  const admission = new StreamAdmission(limits);
  const reports = new ClientReports(log, options.observer, options.logWindowMs);
  let pushSeq = 0;
  let connSeq = 0;
  let closing = false;

  const ctx: ConnectionContext = {
    provider,
    index,
    observer: options.observer,
    reports,
    log,
    limits,
    bounds: { names: limits.namesPerStream, nodeMetadataBytes: limits.nodeMetadataBytes },
    admission,
    version: () => String(pushSeq),
    closed: (conn) => {
      connections.delete(conn.id);
      admission.release(conn.peer);
    },
  };

  const accept = (protocol: StreamProtocol) => (call: Call) => {
    if (closing) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS server is shutting down' });
      return;
    }
    let peer = 'unknown';
    try {
      peer = call.getPeer();
    } catch {
      // a call cancelled before we looked has no peer: keep 'unknown'
    }
    // Streams past a limit are refused before they cost more than this check.
    const refusal = admission.admit(peer);
    if (refusal) {
      const error = limitExceeded(refusal.limit, refusal.max, refusal.actual);
      reports.limit({ limit: refusal.limit, peer, error });
      call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: error });
      return;
    }
    const id = `${protocol.kind}-${++connSeq}`;
    const conn = new Connection(id, protocol, ctx, call, peer);
    connections.set(id, conn);
    conn.start();
  };

  const sockets = { ...DEFAULT_SOCKET_BOUNDS, ...options.socketBounds };
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': sockets.keepaliveMs,
    'grpc.keepalive_timeout_ms': sockets.keepaliveTimeoutMs,
    'grpc.max_connection_idle_ms': sockets.idleMs,
    // grpc-js reads the length prefix and refuses a bigger message (RESOURCE_EXHAUSTED) before buffering it.
    'grpc.max_receive_message_length': limits.requestBytes,
    ...options.grpcOptions,
  });
  server.addService(adsServiceDefinition(), {
    StreamAggregatedResources: accept(sotwProtocol),
    DeltaAggregatedResources: accept(deltaProtocol),
  });

  const bindTarget = hostPort(host, wantedPort);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(bindTarget, grpc.ServerCredentials.createInsecure(), (err, boundPort) => {
      if (!err) return resolve(boundPort);
      const text = err.message;
      if (/EADDRINUSE/.test(text)) reject(new Error(`xDS address ${options.address} is already in use`));
      else if (/EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN/.test(text)) reject(new Error(`xDS address ${options.address} is not an address of this machine: ${text}`));
      else if (/EACCES/.test(text)) reject(new Error(`xDS address ${options.address}: permission denied to listen there`));
      else reject(new Error(`xDS server could not listen on ${options.address}: ${text}`));
    });
  });
  log.info({ address: `${host}:${port}` }, 'xDS server listening');

  // Connections with work to send, flushed in slices: a push to thousands of streams must not hold the
  // event loop for its whole length. Between slices the writes already made go out to the sockets (and
  // clients start reading them) while the next slice is built, and ACKs and watch events get a turn.
  // The first slice runs inside push() itself, so a small push costs no extra latency.
  // A queue (array + a flag on the connection) rather than a Set: it is filled and emptied by every
  // push, and reuses its storage instead of growing and shrinking a hash table each time.
  const pending: Connection[] = [];
  let next = 0;
  let drainScheduled = false;
  const enqueue = (conn: Connection): void => {
    if (conn.queued) return;
    conn.queued = true;
    pending.push(conn);
  };
  const drain = (): void => {
    drainScheduled = false;
    const deadline = performance.now() + PUSH_SLICE_MS;
    let n = 0;
    while (next < pending.length) {
      const conn = pending[next]!;
      pending[next++] = undefined as never;
      conn.queued = false;
      conn.flush();
      if (++n % 8 === 0 && next < pending.length && performance.now() >= deadline) {
        drainScheduled = true;
        setImmediate(drain);
        return;
      }
    }
    pending.length = 0;
    next = 0;
  };

  const push = (request: PushRequest): void => {
    if (closing) return;
    pushSeq++;
    const at = performance.now();
    if (request.full) {
      for (const conn of connections.values()) {
        conn.notePush(at, request.since);
        for (const st of conn.types.values()) if (st.hasSubscription() || st.sent.size > 0) st.markAll();
        enqueue(conn);
      }
      if (!drainScheduled) drain();
      return;
    }
    // Each affected connection once per push (the push sequence number marks it).
    const seq = pushSeq;
    const touch = (conn: Connection): void => {
      if (conn.pushSeq === seq) return;
      conn.pushSeq = seq;
      conn.notePush(at, request.since);
      enqueue(conn);
    };
    for (const [typeUrl, hosts] of request.changes ?? []) {
      index.forEachAffected(
        typeUrl,
        hosts,
        (st, name) => {
          st.markName(name);
          touch(st.conn);
        },
        (st) => {
          // A wildcard subscriber may gain or lose any resource of the host: it recomputes the type
          // (from the provider's cache; SotW LDS/CDS responses carry all of it anyway).
          st.markAll();
          touch(st.conn);
        },
      );
    }
    if (!drainScheduled) drain();
  };

  return {
    address: hostPort(host, port),
    port,
    push,
    connections: () => [...connections.values()].map((c) => c.snapshot()),
    connectionCount: () => connections.size,
    version: () => String(pushSeq),
    subscribedNames: (typeUrl, host) => index.namesOf(typeUrl, host),
    close: async () => {
      if (closing) return;
      closing = true;
      for (let i = next; i < pending.length; i++) if (pending[i]) pending[i]!.queued = false;
      pending.length = 0;
      next = 0;
      for (const conn of [...connections.values()]) conn.end();
      reports.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      log.info({ address: `${host}:${port}` }, 'xDS server closed');
    },
  };
}
