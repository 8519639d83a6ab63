// The ADS gRPC server: StreamAggregatedResources (state of the world) and DeltaAggregatedResources
// (incremental), with raw Buffer (de)serializers: requests are decoded by Horizon's codec (so a malformed
// one is an error value, not an exception inside grpc-js) and responses are already bytes.
import * as grpc from '@grpc/grpc-js';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { logger, type Logger } from '../../log.js';
import { hostPort, parseHostPort } from '../../util/host-port.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH } from '../type-urls.js';
import { type Call, type Connection, type ConnectionContext, type ConnTypeState } from './connection.js';
import { DeltaConnection } from './delta-connection.js';
import type { XdsServerObserver } from './observer.js';
import type { PushRequest, XdsResourceProvider } from './provider.js';
import type { ConnectionSnapshot } from './snapshot.js';
import { SotwConnection } from './sotw-connection.js';
import { SubscriptionIndex } from './subscription-index.js';

export interface XdsServerOptions {
  /** 'host:port'; port 0 picks a free port. IPv6 as '[::1]:15010'. */
  address: string;
  provider: XdsResourceProvider;
  observer?: XdsServerObserver;
  /** Extra grpc-js server options (keepalive, message sizes). */
  grpcOptions?: grpc.ServerOptions;
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
  /** Ends every stream and stops listening. */
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

/** A push flushes connections for about this long before it lets the event loop run (ms). */
export const PUSH_SLICE_MS = 4;

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
  const index = new SubscriptionIndex<ConnTypeState>();
  const connections = new Map<string, Connection>();
  let pushSeq = 0;
  let connSeq = 0;
  let closing = false;

  const ctx: ConnectionContext = {
    provider: options.provider,
    index,
    observer: options.observer,
    log,
    version: () => String(pushSeq),
    closed: (conn) => connections.delete(conn.id),
  };

  const accept = (kind: 'sotw' | 'delta') => (call: Call) => {
    if (closing) {
      call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'xDS server is shutting down' });
      return;
    }
    const id = `${kind}-${++connSeq}`;
    const conn = kind === 'sotw' ? new SotwConnection(id, kind, ctx, call) : new DeltaConnection(id, kind, ctx, call);
    connections.set(id, conn);
    conn.start();
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    ...options.grpcOptions,
  });
  server.addService(adsServiceDefinition(), {
    StreamAggregatedResources: accept('sotw'),
    DeltaAggregatedResources: accept('delta'),
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
    for (const [typeUrl, names] of request.changes ?? []) {
      index.forEachAffected(
        typeUrl,
        names,
        (st, name) => {
          st.markName(name);
          touch(st.conn);
        },
        (st) => {
          // A full-state stream recomputes everything anyway; others only need the names.
          if (st.conn.fullStateType(typeUrl)) st.markAll();
          else for (const name of names) st.markName(name);
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
    close: async () => {
      if (closing) return;
      closing = true;
      for (let i = next; i < pending.length; i++) if (pending[i]) pending[i]!.queued = false;
      pending.length = 0;
      next = 0;
      for (const conn of [...connections.values()]) conn.end();
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
