// xDS fan-out benchmark (scenarios S2 and S4 of the performance notes):
//   S4: N streams subscribe at once -> time until every one has its first response (and ACKed it);
//   S2: one endpoint change -> time until the last of N streams has it, p50/p99 over rounds and streams,
//       beside a bare grpc-js server writing the same bytes to the same N streams (the floor).
// Clients run in a separate process. Usage:
//   node --import tsx bench/xds-fanout.ts [--streams 1000] [--rounds 20] [--endpoints 10] [--mode sotw|delta]
//                                         [--per-connection 1] [--views 2]
import * as grpc from '@grpc/grpc-js';
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeAny } from '../src/xds/codec/any.js';
import { encodeDiscoveryResponse, encodeDeltaDiscoveryResponse } from '../src/xds/codec/responses.js';
import { encodeClusterLoadAssignment } from '../src/xds/resources/index.js';
import type { NodeInfo } from '../src/xds/node-info.js';
import { startXdsServer } from '../src/xds/server/server.js';
import type { EncodedResource, XdsResourceProvider } from '../src/xds/server/provider.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH, CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { rootLogger } from '../src/log.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '20' },
    endpoints: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'sotw' },
    'per-connection': { type: 'string', default: '1' },
    views: { type: 'string', default: '2' },
    names: { type: 'string', default: '10' },
  },
});
const STREAMS = Number(values.streams);
const ROUNDS = Number(values.rounds);
const ENDPOINTS = Number(values.endpoints);
const MODE = values.mode === 'delta' ? 'delta' : 'sotw';
const PER_CONNECTION = Number(values['per-connection']);
const VIEWS = Number(values.views);
const NAMES = Number(values.names);
const HOT = 'outbound|5000||svc-0.ns.svc.cluster.local';
const names = [HOT, ...Array.from({ length: NAMES - 1 }, (_, i) => `outbound|5000||svc-${i + 1}.ns.svc.cluster.local`)];
const silent = rootLogger.child({}, { level: 'silent' });

function cla(name: string, round: number, view: number) {
  return encodeClusterLoadAssignment({
    clusterName: name,
    endpoints: [
      {
        locality: { region: 'r1', zone: 'z1', subzone: '' },
        lbEndpoints: Array.from({ length: ENDPOINTS }, (_, i) => ({
          address: `10.${view}.${round % 250}.${i + 1}`,
          port: 5000,
          metadata: { istio: { workload: `svc-0-${i};ns;svc-0;v1;cluster${view}`, tlsMode: 'istio' } },
        })),
      },
    ],
  });
}

/** A provider caching per (name, view), as the real one will: one encode per view per change. */
class BenchProvider implements XdsResourceProvider {
  round = 0;
  encodes = 0;
  private cache = new Map<string, EncodedResource>();
  resources(_t: string, node: NodeInfo, want: ReadonlySet<string> | undefined): EncodedResource[] {
    const out: EncodedResource[] = [];
    for (const n of want ?? names) {
      const key = `${n}\u0000${node.viewKey}\u0000${n === HOT ? this.round : 0}`;
      let r = this.cache.get(key);
      if (!r) {
        const view = Number(node.network.slice(1)) || 0;
        const bytes = cla(n, n === HOT ? this.round : 0, view);
        this.encodes++;
        r = { name: n, version: `${n === HOT ? this.round : 0}-${view}`, any: encodeAny(EDS, bytes) };
        this.cache.set(key, r);
      }
      out.push(r);
    }
    return out;
  }
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const f = (n: number) => n.toFixed(1);

function startLoad(): Promise<{ child: ChildProcess; request: (msg: object, evt: string) => Promise<any> }> {
  const child = fork(fileURLToPath(new URL('./support/ads-load-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<string, (m: any) => void>();
  child.on('message', (m: any) => {
    const r = pending.get(m.evt);
    if (r) {
      pending.delete(m.evt);
      r(m);
    }
  });
  const request = (msg: object, evt: string) =>
    new Promise<any>((resolve) => {
      pending.set(evt, resolve);
      if (Object.keys(msg).length) child.send(msg);
    });
  return request({}, 'ready').then(() => ({ child, request }));
}

interface Result {
  lastMs: number[];
  streamMs: number[];
}

async function measure(
  label: string,
  address: string,
  trigger: (round: number) => { version: string; t0: number },
): Promise<{ connectMs: number; result: Result }> {
  const { child, request } = await startLoad();
  const networks = Array.from({ length: VIEWS }, (_, i) => `n${i}`);
  const connected = await request(
    { cmd: 'connect', address, streams: STREAMS, typeUrl: EDS, names, mode: MODE, streamsPerConnection: PER_CONNECTION, networks },
    'connected',
  );
  const result: Result = { lastMs: [], streamMs: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    await new Promise((r) => setTimeout(r, 100));
    const { version, t0 } = trigger(round);
    const a = await request({ cmd: 'await', version, timeoutMs: 30_000 }, 'arrivals');
    if (a.timedOut) throw new Error(`${label}: round ${round} timed out (${a.times.filter((t: number) => Number.isNaN(t)).length} streams missing)`);
    const lat = (a.times as number[]).map((t) => t - t0);
    result.lastMs.push(Math.max(...lat));
    result.streamMs.push(...lat);
  }
  await request({ cmd: 'close' }, 'closed');
  child.kill();
  return { connectMs: connected.ms, result };
}

function summarize(r: Result) {
  const last = [...r.lastMs].sort((a, b) => a - b);
  const all = [...r.streamMs].sort((a, b) => a - b);
  return { lastP50: pct(last, 50), lastP99: pct(last, 99), streamP50: pct(all, 50), streamP99: pct(all, 99) };
}

const now = () => performance.timeOrigin + performance.now();

const pushMs: number[] = [];
const bareMs: number[] = [];

// ---- Horizon ----
const provider = new BenchProvider();
const server = await startXdsServer({ address: '127.0.0.1:0', provider, log: silent });
const horizon = await measure('horizon', server.address, (round) => {
  provider.round = round;
  const t0 = now();
  server.push({ changes: new Map([[EDS, new Set([HOT])]]) });
  pushMs.push(now() - t0);
  return { version: server.version(), t0 };
});
const pushCpu = provider.encodes;
await server.close();

// ---- bare grpc-js: the same bytes written to the same streams ----
const bare = new grpc.Server();
const calls: grpc.ServerDuplexStream<Buffer, Buffer>[] = [];
const id = (b: Buffer) => b;
const method = (path: string) => ({ path, requestStream: true, responseStream: true, requestSerialize: id, requestDeserialize: id, responseSerialize: id, responseDeserialize: id });
const initial = (version: string) =>
  MODE === 'sotw'
    ? encodeDiscoveryResponse({ versionInfo: version, typeUrl: EDS, nonce: '1', resources: names.map((n) => encodeAny(EDS, cla(n, 0, 0))) })
    : encodeDeltaDiscoveryResponse({ systemVersionInfo: version, typeUrl: EDS, nonce: '1', resources: names.map((n) => ({ name: n, version: '0', any: encodeAny(EDS, cla(n, 0, 0)) })), removedResources: [] });
const accept = (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
  calls.push(call);
  call.once('data', () => call.write(initial('0')));
  call.on('data', () => {});
  call.on('error', () => {});
};
bare.addService({ StreamAggregatedResources: method(ADS_SOTW_PATH), DeltaAggregatedResources: method(ADS_DELTA_PATH) } as grpc.ServiceDefinition, {
  StreamAggregatedResources: accept,
  DeltaAggregatedResources: accept,
});
const barePort = await new Promise<number>((res, rej) => bare.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
const floor = await measure('bare grpc-js', `127.0.0.1:${barePort}`, (round) => {
  const version = `b${round}`;
  const any = encodeAny(EDS, cla(HOT, round, 0));
  const t0 = now();
  // What a minimal server must do per stream: frame the response (its nonce differs) and write it.
  for (let i = 0; i < calls.length; i++) {
    const bytes =
      MODE === 'sotw'
        ? encodeDiscoveryResponse({ versionInfo: version, typeUrl: EDS, nonce: String(i), resources: [any] })
        : encodeDeltaDiscoveryResponse({ systemVersionInfo: version, typeUrl: EDS, nonce: String(i), resources: [{ name: HOT, version, any }], removedResources: [] });
    calls[i]!.write(bytes);
  }
  bareMs.push(now() - t0);
  return { version, t0 };
});
bare.forceShutdown();

const h = summarize(horizon.result);
const b = summarize(floor.result);
console.log(`xds fan-out: ${STREAMS} ${MODE} streams (${PER_CONNECTION} per connection), ${NAMES} EDS names each, ${VIEWS} network views, ${ENDPOINTS} endpoints per CLA, ${ROUNDS} rounds`);
console.log(`  S4 subscribe storm: all ${STREAMS} streams had their first response after ${f(horizon.connectMs)} ms (bare grpc-js: ${f(floor.connectMs)} ms)`);
console.log(`  S2 one change -> last stream: horizon p50 ${f(h.lastP50)} ms, p99 ${f(h.lastP99)} ms | bare p50 ${f(b.lastP50)} ms, p99 ${f(b.lastP99)} ms | ratio p50 ${(h.lastP50 / b.lastP50).toFixed(2)}x, p99 ${(h.lastP99 / b.lastP99).toFixed(2)}x`);
console.log(`  S2 per stream:               horizon p50 ${f(h.streamP50)} ms, p99 ${f(h.streamP99)} ms | bare p50 ${f(b.streamP50)} ms, p99 ${f(b.streamP99)} ms`);
const med = (a: number[]) => pct([...a].sort((x, y) => x - y), 50);
console.log(`  synchronous part of a push (decide, assemble, write ${STREAMS} streams): horizon median ${f(med(pushMs))} ms | bare write loop ${f(med(bareMs))} ms`);
console.log(`  CLA encodes by the provider over the whole run: ${pushCpu} (${VIEWS} views x (${NAMES} names + ${ROUNDS} changes))`);
process.exit(0);
