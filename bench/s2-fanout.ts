// S2: one endpoint change fanned out to N connected streams. The change is made at an emulated API
// server (a pod's readiness flips, its EndpointSlice is rewritten); it travels the real watch path into
// Horizon's informers, through the registry, mesh model, resource cache and push queue, and out to every
// stream. Measured: from the commit at the API server to the arrival at each client, per round (the last
// client) and per stream. In the same run, a bare grpc-js server writes the same bytes to the same
// number of streams (the floor); the ratio says what Horizon costs beyond the runtime.
//   npm run bench -- S2 [--streams 1000,2000] [--rounds 20] [--services 1000] [--endpoints 10]
//                       [--names 10] [--mode sotw|delta] [--load-procs 1]
import type { Horizon } from '../src/horizon.js';
import { jsonToStruct } from '../src/xds/codec/struct.js';
import { parseNode } from '../src/xds/xds-node.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { BareFanout } from './support/bare-fanout.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import type { Mode } from './support/light-ads.js';
import { LoadFleet } from './support/load-fleet.js';
import { fmtMs, fmtRatio, machineFacts, machineLine, now, printTable, summarize, writeResult, type Summary } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { PhaseProfiler } from './support/profiler.js';
import { fullGc, procUsage } from './support/usage.js';
import { edsName, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S2', {
  streams: { type: 'string', default: '1000,2000' },
  rounds: { type: 'string', default: '40' },
  services: { type: 'string', default: '1000' },
  endpoints: { type: 'string', default: '10' },
  clusters: { type: 'string', default: '4' },
  networks: { type: 'string', default: '2' },
  names: { type: 'string', default: '10' },
  mode: { type: 'string', default: 'sotw' },
  'load-procs': { type: 'string', default: '1' },
  'gap-ms': { type: 'string', default: '250' },
  warmup: { type: 'string', default: '5' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
});

const layout: MeshLayout = {
  clusters: Number(values.clusters),
  networks: Number(values.networks),
  services: Number(values.services),
  endpointsPerService: Number(values.endpoints),
  namespaces: 10,
};
const streamCounts = values.streams.split(',').map(Number);
const rounds = Number(values.rounds);
const mode = (values.mode === 'delta' ? 'delta' : 'sotw') as Mode;
const gapMs = Number(values['gap-ms']);
/** Rounds run first and not counted (both servers): the JIT compiles the push path on them. */
const warmup = Number(values.warmup);
const networks = Array.from({ length: layout.networks }, (_, i) => `network${i + 1}`);
const HOT = edsName(layout, 0);
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface RoundSet {
  /** Per round: the last stream's latency. */
  last: number[];
  /** Every stream of every round. */
  perStream: number[];
  /** Per round: API server commit -> Horizon's mesh model saw it. */
  toMesh: number[];
  /** Per round: API server commit -> Horizon's first / last write of the push. */
  firstWrite: number[];
  lastWrite: number[];
  /** Per round: Horizon's CPU ms. */
  cpuMs: number[];
  /** Per round: the load generator's CPU ms. */
  loadCpuMs: number[];
}

const machine = machineFacts();
console.log(`S2 one endpoint change -> N streams (${machineLine(machine)})`);
console.log(`  mesh: ${layout.services} services x ${layout.endpointsPerService} endpoints, ${layout.clusters} clusters, ${layout.networks} networks; ${values.names} EDS names per stream (one shared); ${mode}; ${rounds} rounds`);

const host = await ClusterHost.start(layout);
const loaded = await host.load();
console.log(`  emulated clusters loaded: ${loaded.objects} objects (${loaded.pods} pods, ${loaded.slices} slices) in ${fmtMs(loaded.ms)}`);
let meshAt = 0;
let firstWriteAt = 0;
let lastWriteAt = 0;
const horizon: Horizon = await host.startHorizon({
  xdsObserver: {
    onPushSent: (e) => {
      if (e.trigger !== 'push') return;
      const t = now();
      if (firstWriteAt === 0) firstWriteAt = t;
      lastWriteAt = t;
    },
  },
});
horizon.mesh.on('changes', () => {
  meshAt = now();
});
await waitForMesh(horizon, layout);
const fleet = await LoadFleet.start(Number(values['load-procs']));

const nodeOf = (network: string) => parseNode({ id: 'bench', metadata: jsonToStruct({ NETWORK: network }) });
const rows: string[][] = [];
/** Readiness of the endpoint every round flips (it starts ready). */
let hotReady = true;
const results: object[] = [];

for (const streams of streamCounts) {
  const plan: SubscriptionPlan = { streams, typeUrl: EDS, hot: [HOT], pool, perStream: Number(values.names) - 1, networks };

  // ---- Horizon ----
  const conn = await fleet.connect(horizon.xds.address, plan, { mode });
  if (conn.timedOut) throw new Error(`S2: ${conn.incomplete} of ${streams} streams did not get their resources`);
  // The connect storm leaves a lot of garbage: collect it before measuring (the bare run gets the same).
  fullGc();
  const h: RoundSet = { last: [], perStream: [], toMesh: [], firstWrite: [], lastWrite: [], cpuMs: [], loadCpuMs: [] };
  const profiler = new PhaseProfiler(values.profile);
  await profiler.start();
  for (let r = 1 - warmup; r <= rounds; r++) {
    await sleep(gapMs);
    const cpu0 = process.cpuUsage();
    const load0 = fleet.cpuSeconds();
    hotReady = !hotReady;
    firstWriteAt = 0;
    const change = await host.setReady(0, 0, hotReady);
    const got = await fleet.expect(HOT, change.t0);
    if (got.timedOut) throw new Error(`S2 horizon round ${r}: ${got.missing} streams never got the change`);
    if (r < 1) continue;
    const cpu = process.cpuUsage(cpu0);
    h.last.push(Math.max(...got.latencies));
    h.perStream.push(...got.latencies);
    h.toMesh.push(meshAt - change.t0);
    h.firstWrite.push(firstWriteAt - change.t0);
    h.lastWrite.push(lastWriteAt - change.t0);
    h.cpuMs.push((cpu.user + cpu.system) / 1000);
    h.loadCpuMs.push((fleet.cpuSeconds() - load0) * 1000);
  }
  await profiler.stop(`S2-horizon-${streams}`);
  await fleet.disconnect();
  while (horizon.xds.connectionCount() > 0) await sleep(20);

  // ---- the floor: bare grpc-js, the same bytes, the same number of streams ----
  const anyByNetwork = new Map(networks.map((n) => [n, horizon.provider.resources(EDS, nodeOf(n), new Set([HOT]))[0]!.any]));
  const bare = new BareFanout();
  await bare.start();
  const bconn = await fleet.connect(bare.address, plan, { mode });
  if (bconn.timedOut) throw new Error(`S2: bare server: ${bconn.incomplete} streams incomplete`);
  fullGc();
  const b: RoundSet = { last: [], perStream: [], toMesh: [], firstWrite: [], lastWrite: [], cpuMs: [], loadCpuMs: [] };
  await profiler.start();
  for (let r = 1 - warmup; r <= rounds; r++) {
    await sleep(gapMs);
    const cpu0 = process.cpuUsage();
    const load0 = fleet.cpuSeconds();
    const t0 = now();
    bare.fanOut(`b${r + warmup}`, HOT, (n) => anyByNetwork.get(n)!);
    const got = await fleet.expect(HOT, t0);
    if (got.timedOut) throw new Error(`S2 bare round ${r}: ${got.missing} streams never got it`);
    if (r < 1) continue;
    const cpu = process.cpuUsage(cpu0);
    b.last.push(Math.max(...got.latencies));
    b.perStream.push(...got.latencies);
    b.cpuMs.push((cpu.user + cpu.system) / 1000);
    b.loadCpuMs.push((fleet.cpuSeconds() - load0) * 1000);
  }
  await profiler.stop(`S2-bare-${streams}`);
  await fleet.disconnect();
  bare.close();

  const hl = summarize(h.last);
  const bl = summarize(b.last);
  const hs = summarize(h.perStream);
  const bs = summarize(b.perStream);
  const toMesh = summarize(h.toMesh);
  const lastWrite = summarize(h.lastWrite);
  const cpuH = summarize(h.cpuMs);
  const cpuB = summarize(b.cpuMs);
  const loadH = summarize(h.loadCpuMs);
  const loadB = summarize(b.loadCpuMs);
  rows.push([
    `${streams}`,
    fmtMs(hl.p50),
    fmtMs(hl.p99),
    fmtMs(hl.max),
    fmtMs(bl.p50),
    fmtMs(bl.p99),
    fmtRatio(hl.p50 / bl.p50),
    fmtRatio(hl.p99 / bl.p99),
    fmtMs(toMesh.p50),
    `${fmtMs(summarize(h.firstWrite).p50)} / ${fmtMs(lastWrite.p50)}`,
    `${cpuH.p50.toFixed(0)} / ${cpuB.p50.toFixed(0)} ms`,
    `${loadH.p50.toFixed(0)} / ${loadB.p50.toFixed(0)} ms`,
  ]);
  const sum = (s: Summary) => ({ p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, n: s.n });
  results.push({
    streams,
    horizon: { lastClient: sum(hl), perStream: sum(hs), apiServerToMesh: sum(toMesh), apiServerToFirstWrite: sum(summarize(h.firstWrite)), apiServerToLastWrite: sum(lastWrite), lastWriteRounds: h.lastWrite, cpuMsPerRound: sum(cpuH), loadCpuMsPerRound: sum(loadH), rounds: h.last },
    bare: { lastClient: sum(bl), perStream: sum(bs), cpuMsPerRound: sum(cpuB), loadCpuMsPerRound: sum(loadB), rounds: b.last },
    ratio: { p50: hl.p50 / bl.p50, p99: hl.p99 / bl.p99 },
    target: { p99Ms: streams <= 1000 ? 100 : undefined, ratio: 1.3 },
  });
}

printTable(
  `S2 change at the API server -> last of N streams (${rounds} rounds each after ${warmup} warm-up; bare = grpc-js writing the same bytes, timed from its write loop)`,
  ['streams', 'p50', 'p99', 'max', 'bare p50', 'bare p99', 'ratio p50', 'ratio p99', 'API->mesh p50', 'first / last write p50', 'CPU/round (H / bare)', 'load CPU (H / bare)'],
  rows,
);
const rss = procUsage(process.pid)!.rssBytes;
console.log(`  Horizon RSS at the end: ${(rss / 1048576).toFixed(0)} MiB. Targets: p99 <= 100 ms at 1000 streams; p99 <= 1.3x the bare floor.`);
writeResult('S2', { layout, mode, rounds, warmupRounds: warmup, namesPerStream: Number(values.names), loadProcesses: Number(values['load-procs']), results, horizonRssBytes: rss }, machine);

await fleet.close();
await horizon.close();
await host.close();
process.exit(0);
