// Real gRPC clients and a test echo backend for the data-plane tests. Clients are built with
// @grpc/proto-loader, independently of the protobufjs definitions the data plane serves with, so
// the tests also cross-check the wire format.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const loaderOptions: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

function loadPackage(relativeProto: string): grpc.GrpcObject {
  const file = fileURLToPath(new URL(relativeProto, import.meta.url));
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, loaderOptions));
}

const helloworld = loadPackage('../../proto/helloworld.proto').helloworld as grpc.GrpcObject;
const horizonTest = (loadPackage('../fixtures/echo.proto').horizon as grpc.GrpcObject).test as grpc.GrpcObject;
const GreeterClient = helloworld.Greeter as grpc.ServiceClientConstructor;
const EchoClient = horizonTest.Echo as grpc.ServiceClientConstructor;
const echoService = EchoClient.service;

/**
 * A grpc-js client to `target`. With `authority`, the channel sends that `:authority` (what a
 * proxyless client does when xDS hands it a gateway address for a service).
 */
export function greeterClient(target: string, authority?: string): grpc.Client {
  return new GreeterClient(target, grpc.credentials.createInsecure(), authority ? { 'grpc.default_authority': authority } : {});
}

export function echoClient(target: string, authority?: string): grpc.Client {
  return new EchoClient(target, grpc.credentials.createInsecure(), authority ? { 'grpc.default_authority': authority } : {});
}

type Unary = (request: object, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, reply?: Record<string, unknown>) => void) => void;

export function unary<T = Record<string, unknown>>(client: grpc.Client, method: string, request: object, timeoutMs = 10_000): Promise<T> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => {
    fn(request, { deadline: Date.now() + timeoutMs }, (err, reply) => (err ? reject(err) : resolve(reply as T)));
  });
}

export async function sayHello(client: grpc.Client, timeoutMs = 10_000): Promise<string> {
  const reply = await unary<{ message: string }>(client, 'sayHello', { name: 'horizon' }, timeoutMs);
  return reply.message;
}

/** The reply text, or `error <code>: <details>`: handy for asserting on a series of calls. */
export async function sayHelloOutcome(client: grpc.Client, timeoutMs = 10_000): Promise<string> {
  try {
    return await sayHello(client, timeoutMs);
  } catch (err) {
    const e = err as grpc.ServiceError;
    return `error ${e.code}: ${e.details}`;
  }
}

export interface EchoBackend {
  address: string;
  port: number;
  /** Calls seen, whatever their kind. */
  calls: number;
  /** Resolves when a held ServerStream call is open on this backend. */
  holding(): number;
  stop(): Promise<void>;
  /** Kills every connection at once, as a crashing pod would. */
  kill(): void;
}

interface EchoRequest {
  text: string;
  count: number;
  hold: boolean;
  failWith: number;
  payload: Buffer;
}

/** A grpc-js Echo server on `address` (port 0), replying with `servedBy` so tests see who answered. */
export async function startEchoBackend(address: string, servedBy: string): Promise<EchoBackend> {
  const server = new grpc.Server();
  let calls = 0;
  let holding = 0;
  server.addService(echoService, {
    unary: (call: grpc.ServerUnaryCall<EchoRequest, object>, callback: grpc.sendUnaryData<object>) => {
      calls++;
      const trailer = new grpc.Metadata();
      trailer.set('x-served-by', servedBy);
      if (call.request.failWith) {
        callback({ code: call.request.failWith, details: `asked to fail: ${call.request.text}`, metadata: trailer });
        return;
      }
      const header = new grpc.Metadata();
      header.set('x-echo-header', call.metadata.get('x-test')[0]?.toString() ?? '');
      call.sendMetadata(header);
      callback(null, { text: call.request.text, index: 0, servedBy, payload: call.request.payload }, trailer);
    },
    serverStream: (call: grpc.ServerWritableStream<EchoRequest, object>) => {
      calls++;
      for (let i = 0; i < call.request.count; i++) call.write({ text: call.request.text, index: i, servedBy });
      if (call.request.hold) {
        holding++;
        call.on('cancelled', () => holding--);
        return;
      }
      call.end();
    },
    bidi: (call: grpc.ServerDuplexStream<EchoRequest, object>) => {
      calls++;
      let index = 0;
      call.on('data', (req: EchoRequest) => call.write({ text: req.text.toUpperCase(), index: index++, servedBy }));
      call.on('end', () => call.end());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    address,
    port,
    get calls() {
      return calls;
    },
    holding: () => holding,
    stop: () => new Promise<void>((resolve) => {
      const force = setTimeout(() => server.forceShutdown(), 2000);
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    }),
    kill: () => server.forceShutdown(),
  };
}
