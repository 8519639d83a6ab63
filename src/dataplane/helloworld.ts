// A helloworld backend: one grpc-js server standing in for one pod of Istio's helloworld sample,
// bound to exactly the pod's address so that many "pods" share one machine (all of 127.0.0.0/8 is
// loopback on Linux) or live inside network namespaces.
import * as grpc from '@grpc/grpc-js';
import { logger } from '../log.js';
import { loadServiceDefinition } from './grpc-service-definition.js';
import { hostPort } from '../util/host-port.js';
import { HELLOWORLD_PROTO } from '../util/protos.js';

/** `helloworld.Greeter`, from proto/helloworld.proto. Loaded once per process (it is immutable). */
export const greeterService: grpc.ServiceDefinition = loadServiceDefinition(HELLOWORLD_PROTO, 'helloworld.Greeter');

/**
 * The reply text of Istio's helloworld sample (samples/helloworld/src/app.py). The sample ends the
 * line with '\n' for curl; a gRPC string field carries no newline.
 */
export function helloReply(version: string, podName: string): string {
  return `Hello version: ${version}, instance: ${podName}`;
}

export interface HelloworldOptions {
  /** The IP literal to bind (the pod IP). */
  address: string;
  /** 0 picks a free port. */
  port: number;
  version: string;
  podName: string;
}

export interface HelloworldBackend {
  readonly address: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  readonly version: string;
  readonly podName: string;
  /** SayHello calls answered so far. */
  readonly calls: number;
  /** Graceful stop: running calls get `graceMs` (default 2000) to finish, then the server is forced down. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const log = logger('dataplane.helloworld');

function bind(server: grpc.Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(hostPort(address, port), grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
}

function describeBindError(err: unknown, address: string, port: number): string {
  const text = err instanceof Error ? err.message : String(err);
  if (text.includes('EADDRINUSE')) return `${hostPort(address, port)} is already in use`;
  if (text.includes('EADDRNOTAVAIL')) return `${address} is not an address of this host (or network namespace)`;
  return text;
}

export async function startHelloworld(options: HelloworldOptions): Promise<HelloworldBackend> {
  const { address, version, podName } = options;
  const reply = helloReply(version, podName);
  let calls = 0;
  // SO_REUSEPORT off: two "pods" on one address:port must collide loudly, not share the port.
  const server = new grpc.Server({ 'grpc.so_reuseport': 0 });
  server.addService(greeterService, {
    SayHello: (_call: grpc.ServerUnaryCall<{ name: string }, { message: string }>, callback: grpc.sendUnaryData<{ message: string }>) => {
      calls++;
      callback(null, { message: reply });
    },
  });
  let port: number;
  try {
    port = await bind(server, address, options.port);
  } catch (err) {
    server.forceShutdown();
    throw new Error(`helloworld ${podName} (${version}): cannot listen on ${hostPort(address, options.port)}: ${describeBindError(err, address, options.port)}`, { cause: err });
  }
  log.debug({ podName, version, address, port }, 'helloworld backend listening');

  let stopping: Promise<void> | undefined;
  const stop = ({ graceMs = 2000 }: { graceMs?: number } = {}): Promise<void> => {
    stopping ??= new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(force);
        log.debug({ podName, address, port }, 'helloworld backend stopped');
        resolve();
      };
      const force = setTimeout(() => {
        server.forceShutdown();
        done();
      }, graceMs);
      server.tryShutdown(done);
    });
    return stopping;
  };

  return {
    address,
    port,
    version,
    podName,
    get calls() {
      return calls;
    },
    stop,
  };
}
