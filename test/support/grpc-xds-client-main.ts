// A real proxyless gRPC client (@grpc/grpc-js-xds) in its own process. grpc-js-xds reads its bootstrap
// once per process, so every differently-configured client needs a process of its own: spawn this with
// `node --import tsx test/support/grpc-xds-client-main.ts ...` (or through grpc-xds-client.ts).
//
// Flags:
//   --server <host:port>        xDS server (required unless --bootstrap-json is given)
//   --target <xds:///name>      target to call (required)
//   --node-id <id>              node id (default horizon-grpc-xds-client)
//   --node-cluster <name>       node cluster (default '')
//   --metadata <json>           node metadata, e.g. '{"NETWORK":"network1","GENERATOR":"grpc"}'
//   --locality <json>           node locality, e.g. '{"region":"r1","zone":"z1","subzone":""}' (default {})
//   --bootstrap-json <json>     a complete bootstrap instead of the four above
//   --calls <n>                 number of calls (default 1; 0 = keep calling until stdin closes or SIGTERM)
//   --interval-ms <ms>          pause between calls (default 0)
//   --deadline-ms <ms>          per-call deadline (default 10000)
//   --proto <path>              proto file (default proto/helloworld.proto of this repository)
//   --service <pkg.Service>     default helloworld.Greeter
//   --method <Method>           default SayHello
//   --request <json>            request message (default {"name":"horizon"})
//
// Output, one JSON object per line on stdout:
//   {"type":"start","bootstrap":{...}}
//   {"type":"result","i":0,"ok":true,"reply":{...},"ms":3.1,"at":<epoch ms>}
//   {"type":"result","i":1,"ok":false,"code":14,"details":"...","ms":..,"at":..}
//   {"type":"done","ok":<n>,"failed":<n>}
// Bad flags: a message on stderr and exit code 2.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type * as grpcTypes from '@grpc/grpc-js';

function usage(message: string): never {
  process.stderr.write(`grpc-xds-client: ${message}\n`);
  process.exit(2);
}

function json<T>(flag: string, text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    return usage(`--${flag} is not valid JSON (${(err as Error).message}): ${text}`);
  }
}

function int(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) usage(`--${flag} must be a whole number >= 0, got '${text}'`);
  return n;
}

const { values } = parseArgs({
  options: {
    server: { type: 'string' },
    target: { type: 'string' },
    'node-id': { type: 'string' },
    'node-cluster': { type: 'string' },
    metadata: { type: 'string' },
    locality: { type: 'string' },
    'bootstrap-json': { type: 'string' },
    calls: { type: 'string' },
    'interval-ms': { type: 'string' },
    'deadline-ms': { type: 'string' },
    proto: { type: 'string' },
    service: { type: 'string' },
    method: { type: 'string' },
    request: { type: 'string' },
  },
  strict: true,
});

const target = values.target ?? usage('--target is required (e.g. xds:///helloworld.sample.svc.cluster.local:5000)');
let bootstrap: Record<string, unknown>;
if (values['bootstrap-json']) {
  bootstrap = json('bootstrap-json', values['bootstrap-json'], {});
} else {
  const server = values.server ?? usage('--server is required (host:port of the xDS server)');
  const loc = json<{ region?: string; zone?: string; subzone?: string }>('locality', values.locality, {});
  bootstrap = {
    xds_servers: [{ server_uri: server, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: values['node-id'] ?? 'horizon-grpc-xds-client',
      cluster: values['node-cluster'] ?? '',
      metadata: json('metadata', values.metadata, {}),
      // grpc-js-xds requires a locality object, even an empty one.
      locality: {
        ...(loc.region !== undefined ? { region: loc.region } : {}),
        ...(loc.zone !== undefined ? { zone: loc.zone } : {}),
        ...(loc.subzone !== undefined ? { sub_zone: loc.subzone } : {}),
      },
    },
  };
}
const calls = int('calls', values.calls, 1);
const intervalMs = int('interval-ms', values['interval-ms'], 0);
const deadlineMs = int('deadline-ms', values['deadline-ms'], 10_000);
const protoPath = values.proto ?? fileURLToPath(new URL('../../proto/helloworld.proto', import.meta.url));
const serviceName = values.service ?? 'helloworld.Greeter';
const methodName = values.method ?? 'SayHello';
const request = json<Record<string, unknown>>('request', values.request, { name: 'horizon' });
try {
  readFileSync(protoPath);
} catch {
  usage(`--proto ${protoPath} cannot be read`);
}

// The bootstrap must be in place before grpc-js-xds creates its first xDS client.
process.env.GRPC_XDS_BOOTSTRAP_CONFIG = JSON.stringify(bootstrap);
delete process.env.GRPC_XDS_BOOTSTRAP;

const grpc = await import('@grpc/grpc-js');
const protoLoader = await import('@grpc/proto-loader');
const xds = await import('@grpc/grpc-js-xds');
xds.register();

const definition = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, defaults: true }));
let ctor: unknown = definition;
for (const part of serviceName.split('.')) ctor = (ctor as Record<string, unknown> | undefined)?.[part];
if (typeof ctor !== 'function') usage(`service ${serviceName} is not in ${protoPath}`);
const client = new (ctor as typeof grpcTypes.Client)(target, grpc.credentials.createInsecure()) as grpcTypes.Client & Record<string, unknown>;
const method = client[methodName];
if (typeof method !== 'function') usage(`method ${methodName} is not in service ${serviceName}`);

const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ type: 'start', bootstrap });

let stopping = false;
if (calls === 0) {
  // Open-ended runs stop when the parent closes our stdin (or dies).
  process.stdin.on('end', () => (stopping = true));
  process.stdin.on('error', () => (stopping = true));
  process.stdin.resume();
}
process.on('SIGTERM', () => (stopping = true));

let ok = 0;
let failed = 0;
for (let i = 0; (calls === 0 || i < calls) && !stopping; i++) {
  const started = performance.now();
  const result = await new Promise<Record<string, unknown>>((resolve) => {
    (method as (...a: unknown[]) => unknown).call(
      client,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs, waitForReady: true },
      (err: grpcTypes.ServiceError | null, reply: unknown) => {
        const ms = Math.round((performance.now() - started) * 10) / 10;
        if (err) resolve({ type: 'result', i, ok: false, code: err.code, details: err.details, ms, at: Date.now() });
        else resolve({ type: 'result', i, ok: true, reply, ms, at: Date.now() });
      },
    );
  });
  if (result.ok) ok++;
  else failed++;
  out(result);
  if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
}
out({ type: 'done', ok, failed });
client.close();
process.stdin.pause();
// grpc-js-xds keeps its ADS stream open; leave once stdout is flushed.
process.stdout.write('', () => process.exit(0));
