// A real proxyless gRPC client (@grpc/grpc-js-xds) making calls through an `xds:///` target: what a
// pod of the mesh does, and what `horizon call` runs. grpc-js-xds reads its bootstrap once per
// process, so one process is one client identity (node id, NETWORK, locality): the bootstrap is put
// in place here before grpc-js-xds is first loaded.
import { readFileSync } from 'node:fs';
import type * as grpcTypes from '@grpc/grpc-js';
import type { Locality } from '../model/types.js';
import { HELLOWORLD_PROTO } from '../util/protos.js';


export interface CallerOptions {
  target: string;
  /** A complete bootstrap; otherwise built from the fields below. */
  bootstrap?: Record<string, unknown>;
  xdsServer?: string;
  nodeId?: string;
  nodeCluster?: string;
  metadata?: Record<string, unknown>;
  locality?: Partial<Locality>;
  /** Defaults: proto/helloworld.proto, helloworld.Greeter, SayHello, {name: 'horizon'}. */
  proto?: string;
  service?: string;
  method?: string;
  request?: Record<string, unknown>;
  /** Per-call deadline (default 10 s). */
  deadlineMs?: number;
}

/** One call's outcome; `horizon call -o jsonl` prints these (caller-process.ts reads them back). */
export interface CallResult<Reply = Record<string, unknown>> {
  i: number;
  ok: boolean;
  reply?: Reply;
  code?: number;
  details?: string;
  ms: number;
  /** Epoch ms when the call finished. */
  at: number;
}

/** Counts a result under its text (the reply's `message`, else the reply as JSON, else the error) and returns that text. */
export function tallyReply(tally: Map<string, number>, r: CallResult<unknown>): string {
  const message = (r.reply as { message?: unknown } | undefined)?.message;
  const text = r.ok ? String(message ?? JSON.stringify(r.reply)) : `error ${r.code}: ${r.details}`;
  tally.set(text, (tally.get(text) ?? 0) + 1);
  return text;
}

export function bootstrapFor(o: CallerOptions): Record<string, unknown> {
  if (o.bootstrap) return o.bootstrap;
  if (!o.xdsServer) throw new Error('the xDS server address is required (host:port)');
  const loc = o.locality ?? {};
  return {
    xds_servers: [{ server_uri: o.xdsServer, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: o.nodeId ?? 'horizon-call',
      cluster: o.nodeCluster ?? '',
      metadata: o.metadata ?? {},
      // grpc-js-xds requires a locality object, even an empty one.
      locality: {
        ...(loc.region !== undefined ? { region: loc.region } : {}),
        ...(loc.zone !== undefined ? { zone: loc.zone } : {}),
        ...(loc.subzone !== undefined ? { sub_zone: loc.subzone } : {}),
      },
    },
  };
}

export interface Caller {
  call(i: number): Promise<CallResult>;
  close(): void;
}

/** Builds the client; throws a clear error for a bad proto, service or method. Once per process. */
export async function createCaller(o: CallerOptions): Promise<Caller> {
  const protoPath = o.proto ?? HELLOWORLD_PROTO;
  const serviceName = o.service ?? 'helloworld.Greeter';
  const methodName = o.method ?? 'SayHello';
  const request = o.request ?? { name: 'horizon' };
  const deadlineMs = o.deadlineMs ?? 10_000;
  try {
    readFileSync(protoPath);
  } catch {
    throw new Error(`proto ${protoPath} cannot be read`);
  }
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(bootstrapFor(o));
  delete process.env.GRPC_XDS_BOOTSTRAP;
  const grpc = await import('@grpc/grpc-js');
  const protoLoader = await import('@grpc/proto-loader');
  const xds = await import('@grpc/grpc-js-xds');
  xds.register();

  const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, defaults: true }));
  let ctor: unknown = definition;
  for (const part of serviceName.split('.')) ctor = (ctor as Record<string, unknown> | undefined)?.[part];
  if (typeof ctor !== 'function') throw new Error(`service ${serviceName} is not in ${protoPath}`);
  const target = o.target.includes('://') ? o.target : `xds:///${o.target}`;
  const client = new (ctor as typeof grpcTypes.Client)(target, grpc.credentials.createInsecure()) as grpcTypes.Client & Record<string, unknown>;
  const method = client[methodName];
  if (typeof method !== 'function') throw new Error(`method ${methodName} is not in service ${serviceName}`);

  return {
    call: (i) =>
      new Promise<CallResult>((resolve) => {
        const started = performance.now();
        (method as (...a: unknown[]) => unknown).call(
          client,
          request,
          new grpc.Metadata(),
          { deadline: Date.now() + deadlineMs, waitForReady: true },
          (err: grpcTypes.ServiceError | null, reply: Record<string, unknown>) => {
            const ms = Math.round((performance.now() - started) * 10) / 10;
            resolve(err ? { i, ok: false, code: err.code, details: err.details, ms, at: Date.now() } : { i, ok: true, reply, ms, at: Date.now() });
          },
        );
      }),
    close: () => client.close(),
  };
}
