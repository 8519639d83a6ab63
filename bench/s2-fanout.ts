// S2: one endpoint change fanned out to N connected streams. The change is made at an emulated API
// server (a pod's readiness flips, its EndpointSlice is rewritten); it travels the real watch path into
// Horizon's informers, through the registry, mesh model, resource cache and push queue, and out to every
// stream. Measured: from the commit at the API server to the arrival at each client, per round (the last
// client) and per stream. In the same run, a bare grpc-js server writes the same bytes to the same
// number of streams (the floor); the ratio says what Horizon costs beyond the runtime.
// With --peer istiod, istiod (see support/peers.ts for its two configurations) takes the same rounds
// after Horizon, on the same clusters with the same streams (sidecar-shaped callers for both).
//   npm run bench -- S2 [--streams 1000,2000] [--rounds 20] [--services 1000] [--endpoints 10]
//                       [--names 10] [--mode sotw|delta] [--load-procs 1] [--peer istiod]
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
import { ENVOY_RETRY, PEER_FLAGS, PeerClusters, peerVariants, type IstiodTarget } from './support/peers.js';
import { PhaseProfiler } from './support/profiler.js';
import { fullGc, procUsage } from './support/usage.js';
import { edsName, expectedAddresses, type MeshLayout } from './support/workload.js';
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
  ...PEER_FLAGS,
});
const variants = peerVariants(values);
if (variants.length > 0 && values.mode !== 'sotw') throw new Error('S2 --peer compares state-of-the-world streams only (--mode sotw)');

const layout: MeshLayout = {
  clusters: Number(values.clusters),
  networks: Number(values.networks),
  services: Number(values.services),
  endpointsPerService: Number(values.endpoints),
  namespaces: 10,
  istioPods: variants.length > 0,
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
const sum = (s: Summary) => ({ p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, n: s.n });

/** Sidecar-shaped callers when istiod is compared (it requires them), plain ones otherwise. */
const nodeShape = variants.length > 0 ? 'sidecar' : 'plain';

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
const peers = variants.length > 0 ? await PeerClusters.prepare(host) : undefined;
let meshAt = 0;
let firstWriteAt = 0;
let lastWriteAt = 0;
const horizon: Horizon = await host.startHorizon({
  // In a peer run Horizon reads the remote clusters from the Secret istiod reads.
  ...(peers ? { contexts: [peers.primaryContext] } : {}),
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
const results: Array<{ streams: number; horizon: { lastClient: Summary; cpuMsPerRound: Summary } & Record<string, unknown> } & Record<string, unknown>> = [];
const newRounds = (): RoundSet => ({ last: [], perStream: [], toMesh: [], firstWrite: [], lastWrite: [], cpuMs: [], loadCpuMs: [] });

/**
 * Warm-up rounds, then `rounds` measured ones: each makes one change (returning the moment it was
 * made) and waits until every stream has it. `onRound` adds what only an in-process server can tell.
 */
async function measureRounds(who: string, change: () => Promise<number>, cpuSeconds: () => number, onRound?: (t0: number, set: RoundSet) => void): Promise<RoundSet> {
  const set = newRounds();
  for (let r = 1 - warmup; r <= rounds; r++) {
    await sleep(gapMs);
    const cpu0 = cpuSeconds();
    const load0 = fleet.cpuSeconds();
    const t0 = await change();
    const got = await fleet.expect(HOT, t0);
    if (got.timedOut) throw new Error(`S2 ${who} round ${r}: ${got.missing} streams never got the change`);
    if (r < 1) continue;
    set.last.push(Math.max(...got.latencies));
    set.perStream.push(...got.latencies);
    set.cpuMs.push((cpuSeconds() - cpu0) * 1000);
    set.loadCpuMs.push((fleet.cpuSeconds() - load0) * 1000);
    onRound?.(t0, set);
  }
  return set;
}

const flipHot = async () => {
  hotReady = !hotReady;
  return (await host.setReady(0, 0, hotReady)).t0;
};
const ownCpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/**
 * What a caller on each network receives for the changed service from a server: lbEndpoints and
 * distinct addresses (the same distinct addresses from both servers, or the comparison means nothing).
 */
async function sendsOf(address: string): Promise<Record<string, { entries: number; distinct: number; expected: number }>> {
  const out: Record<string, { entries: number; distinct: number; expected: number }> = {};
  for (const network of networks) {
    const expected = expectedAddresses(layout, 0, network);
    const plan: SubscriptionPlan = { streams: 1, typeUrl: EDS, hot: [HOT], pool: [], perStream: 0, networks: [network] };
    const c = await fleet.connect(address, plan, { mode, node: nodeShape, complete: { [HOT]: expected }, retry: ENVOY_RETRY, timeoutMs: 60_000 });
    const got = (await fleet.counts())[HOT];
    await fleet.disconnect();
    if (c.timedOut || !got) throw new Error(`S2: ${address} did not send ${network} the ${expected} addresses of ${HOT} (got ${JSON.stringify(got)})`);
    out[network] = { ...got, expected };
  }
  return out;
}

const profiler = new PhaseProfiler(values.profile);
const horizonSends = peers ? await sendsOf(horizon.xds.address) : undefined;
for (const streams of streamCounts) {
  const plan: SubscriptionPlan = { streams, typeUrl: EDS, hot: [HOT], pool, perStream: Number(values.names) - 1, networks };

  // ---- Horizon ----
  const conn = await fleet.connect(horizon.xds.address, plan, { mode, node: nodeShape });
  if (conn.timedOut) throw new Error(`S2: ${conn.incomplete} of ${streams} streams did not get their resources`);
  // The connect storm leaves a lot of garbage: collect it before measuring (the bare run gets the same).
  fullGc();
  await profiler.start();
  const h = await measureRounds(
    'horizon',
    () => {
      firstWriteAt = 0;
      return flipHot();
    },
    ownCpu,
    (t0, set) => {
      set.toMesh.push(meshAt - t0);
      set.firstWrite.push(firstWriteAt - t0);
      set.lastWrite.push(lastWriteAt - t0);
    },
  );
  await profiler.stop(`S2-horizon-${streams}`);
  await fleet.disconnect();
  while (horizon.xds.connectionCount() > 0) await sleep(20);

  // ---- the floor: bare grpc-js, the same bytes, the same number of streams ----
  const anyByNetwork = new Map(networks.map((n) => [n, horizon.provider.resources(EDS, nodeOf(n), new Set([HOT]))[0]!.any]));
  const bare = new BareFanout();
  await bare.start();
  const bconn = await fleet.connect(bare.address, plan, { mode, node: nodeShape });
  if (bconn.timedOut) throw new Error(`S2: bare server: ${bconn.incomplete} streams incomplete`);
  fullGc();
  await profiler.start();
  let bareRound = 0;
  const b = await measureRounds(
    'bare',
    async () => {
      const t0 = now();
      bare.fanOut(`b${++bareRound}`, HOT, (n) => anyByNetwork.get(n)!);
      return t0;
    },
    ownCpu,
  );
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
  results.push({
    streams,
    horizon: { lastClient: hl, perStream: sum(hs), apiServerToMesh: sum(toMesh), apiServerToFirstWrite: sum(summarize(h.firstWrite)), apiServerToLastWrite: sum(lastWrite), lastWriteRounds: h.lastWrite, cpuMsPerRound: cpuH, loadCpuMsPerRound: sum(loadH), rounds: h.last },
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

// ---- istiod, the same rounds on the same clusters (Horizon stopped first: one server at a time) ----
const peerResults: object[] = [];
if (peers) {
  await horizon.close();
  const peerRows: string[][] = [];
  for (const variant of variants) {
    const istiod: IstiodTarget = await peers.startIstiod(variant);
    try {
      const sends = await sendsOf(istiod.address);
      const perStreams: object[] = [];
      for (const streams of streamCounts) {
        const plan: SubscriptionPlan = { streams, typeUrl: EDS, hot: [HOT], pool, perStream: Number(values.names) - 1, networks };
        const conn = await fleet.connect(istiod.address, plan, { mode, node: nodeShape, retry: ENVOY_RETRY, timeoutMs: 600_000 });
        if (conn.timedOut) throw new Error(`S2: ${istiod.label}: ${conn.incomplete} of ${streams} streams did not get their resources`);
        const connectS = Math.max(...conn.completeMs) / 1000;
        const set = await measureRounds(istiod.label, flipHot, () => istiod.cpuSeconds());
        await fleet.disconnect();
        await sleep(1000);
        const last = summarize(set.last);
        const cpu = summarize(set.cpuMs);
        const mine = results.find((r) => r.streams === streams)!.horizon;
        peerRows.push([
          `${streams}`,
          istiod.label,
          `${fmtMs(last.p50)} / ${fmtMs(last.p99)}`,
          `${fmtMs(mine.lastClient.p50)} / ${fmtMs(mine.lastClient.p99)}`,
          `${fmtRatio(last.p50 / mine.lastClient.p50)} / ${fmtRatio(last.p99 / mine.lastClient.p99)}`,
          `${cpu.mean.toFixed(0)} / ${mine.cpuMsPerRound.mean.toFixed(0)} ms`,
          `${connectS.toFixed(1)} s (${conn.retries} refused and retried)`,
        ]);
        perStreams.push({ streams, lastClient: sum(last), perStream: sum(summarize(set.perStream)), cpuMsPerRound: { ...sum(cpu), mean: cpu.mean }, rounds: set.last, connectMs: Math.max(...conn.completeMs), connectRetries: conn.retries });
      }
      peerResults.push({ variant, label: istiod.label, sends, results: perStreams });
    } finally {
      await istiod.stop();
    }
  }
  printTable(
    `S2 beside istiod ${'1.31.0'}: the same change, clusters and streams; last client p50 / p99 (ratio > 1: istiod slower)`,
    ['streams', 'server', 'istiod p50 / p99', 'Horizon p50 / p99', 'istiod / Horizon', 'CPU/round, mean (istiod / H)', 'istiod: all streams served'],
    peerRows,
  );
  for (const p of peerResults as Array<{ label: string; sends: Record<string, { entries: number; distinct: number; expected: number }> }>) {
    const say = (s: Record<string, { entries: number; distinct: number }>) => networks.map((n) => `${n}: ${s[n]!.entries} lbEndpoints, ${s[n]!.distinct} addresses`).join('; ');
    console.log(`  what ${HOT} carries: Horizon ${say(horizonSends!)}; ${p.label} ${say(p.sends)}`);
  }
  console.log('  (istiod lists a remote network\'s gateway once per locality of its endpoints, istio/istio#56355: more lbEndpoints, the same addresses.)');
}
writeResult(
  'S2',
  { layout, mode, rounds, warmupRounds: warmup, namesPerStream: Number(values.names), loadProcesses: Number(values['load-procs']), nodeShape, results, horizonRssBytes: rss, ...(peers ? { horizonSends, istiod: peerResults } : {}) },
  machine,
);

await fleet.close();
if (!peers) await horizon.close();
await peers?.close();
await host.close();
process.exit(0);
