// S5: initial sync. 4 clusters (2 networks), 10k services, 150k endpoints (15 per service, spread over
// the clusters) are in the emulated API servers before Horizon starts. Measured from the start of
// Horizon: until it is ready (every cluster listed and watched), until its model holds every service and
// endpoint, and until a client connected at that moment has the assignments of 1000 services spread over
// the mesh (servable).
// With --peer istiod, istiod (support/peers.ts: defaults, tuned) syncs the same clusters after Horizon,
// one server at a time, measured the same way from its start: ready (its /ready), and a new client (the
// same sidecar-shaped node for both) has the 1000 assignments, each with every address it should hold.
//   npm run bench -- S5 [--services 10000] [--endpoints 15] [--clusters 4] [--peer istiod]
import { AdsClient } from '../src/xds/client/ads-client.js';
import type { DecodedClusterLoadAssignment } from '../src/xds/resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { ENVOY_RETRY, PEER_FLAGS, PeerClusters, peerVariants } from './support/peers.js';
import { PhaseProfiler } from './support/profiler.js';
import { fmtMiB, fmtMs, fmtRatio, machineFacts, machineLine, now, printTable, summarize, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { procUsage, settledRss } from './support/usage.js';
import { edsName, expectedAddresses, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S5', {
  services: { type: 'string', default: '10000' },
  endpoints: { type: 'string', default: '15' },
  clusters: { type: 'string', default: '4' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
  ...PEER_FLAGS,
});
const variants = peerVariants(values);
const nodeShape = variants.length > 0 ? 'sidecar' : 'plain';

const layout: MeshLayout = { clusters: Number(values.clusters), networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10, istioPods: variants.length > 0 };
const machine = machineFacts();
const total = layout.services * layout.endpointsPerService;
console.log(`S5 initial sync (${machineLine(machine)})`);
console.log(`  ${layout.clusters} clusters, ${layout.services} services, ${total} endpoints`);

const host = await ClusterHost.start(layout);
const loaded = await host.load();
console.log(`  emulated clusters loaded: ${loaded.objects} objects (${loaded.pods} pods, ${loaded.slices} slices) in ${fmtMs(loaded.ms)}`);
// Istio's CRDs and the remote Secret, before anything is timed.
const peers = variants.length > 0 ? await PeerClusters.prepare(host) : undefined;
const fleet = await LoadFleet.start(1);
const rss0 = await settledRss();
const cpu0 = process.cpuUsage();
const hostCpu0 = procUsage(host.pid)?.cpuSeconds ?? 0;
const profiler = new PhaseProfiler(values.profile);
await profiler.start();

const t0 = now();
// In a peer run Horizon reads the remote clusters from the Secret istiod reads.
const horizon = await host.startHorizon(peers ? { contexts: [peers.primaryContext] } : {});
await horizon.whenReady();
const readyMs = now() - t0;
await waitForMesh(horizon, layout);
const modelMs = now() - t0;
// A client arriving now asks for every 10th service: servable when it has them all.
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s)).filter((_, s) => s % 10 === 0);
const plan: SubscriptionPlan = { streams: 1, typeUrl: EDS, hot: [], pool, perStream: pool.length, networks: ['network1'] };
// In a peer run a client counts as served when every assignment holds all it should (both servers).
const complete = peers ? Object.fromEntries(pool.map((name, i) => [name, expectedAddresses(layout, i * 10, 'network1')])) : undefined;
const conn = await fleet.connect(horizon.xds.address, plan, { timeoutMs: 60_000, node: nodeShape, ...(complete ? { complete } : {}) });
const servedMs = now() - t0;
await profiler.stop('S5-horizon');
const cpu = process.cpuUsage(cpu0);
const hostCpu = (procUsage(host.pid)?.cpuSeconds ?? 0) - hostCpu0;
if (conn.timedOut) throw new Error('S5: the client did not get its assignments');
await fleet.disconnect();

// Check one assignment's content: network1's own endpoints directly, network2's behind its gateway.
const check = new AdsClient({ address: horizon.xds.address, node: { id: 'check', metadata: { NETWORK: 'network1' } } });
const last = edsName(layout, layout.services - 1);
check.subscribe(EDS, [last]);
await check.waitFor(() => check.resources(EDS).has(last), 30_000, 'the last service');
const cla = check.resources(EDS).get(last)!.decoded!.value as DecodedClusterLoadAssignment;
const sent = cla.endpoints.reduce((n, g) => n + g.lbEndpoints.length, 0);
check.close();
const rss1 = await settledRss();
const heap = process.memoryUsage().heapUsed;

printTable(
  `S5 initial sync of ${total} endpoints (${layout.services} services) from ${layout.clusters} API servers`,
  ['measure', 'value', 'target'],
  [
    ['start -> ready (all clusters synced)', fmtMs(readyMs), ''],
    ['start -> every endpoint in the model', fmtMs(modelMs), ''],
    [`start -> a new client has ${pool.length} assignments`, fmtMs(servedMs), '<= 10 s'],
    ['Horizon CPU during sync', `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`, ''],
    ['emulated API servers CPU during sync', `${hostCpu.toFixed(1)} s`, ''],
    ['Horizon RSS after sync (after GC)', `${fmtMiB(rss1)} (+${fmtMiB(rss1 - rss0)}), heap ${fmtMiB(heap)}`, ''],
    [`last service as network1 sees it`, `${sent} lbEndpoints in ${cla.endpoints.length} groups`, ''],
  ],
);
// ---- istiod: the same sync from its start (Horizon stopped first: one server at a time) ----
const peerResults: Array<{ variant: string; label: string; readyMs: number; servedMs: number; cpuSeconds: number; rssBytes: number; heapBytes: number; retries: number }> = [];
if (peers) {
  await horizon.close();
  for (const variant of variants) {
    const p0 = now();
    const istiod = await peers.startIstiod(variant, 1_800_000);
    try {
      const ready = now() - p0;
      const c = await fleet.connect(istiod.address, plan, { timeoutMs: 300_000, node: nodeShape, retry: ENVOY_RETRY, complete: complete! });
      const served = now() - p0;
      if (c.timedOut) {
        const got = await fleet.counts();
        const short = pool.filter((n) => (got[n]?.distinct ?? 0) < complete![n]!).slice(0, 5);
        throw new Error(`S5: ${istiod.label}: the client did not get its ${pool.length} assignments; short, e.g.: ${short.map((n) => `${n} ${JSON.stringify(got[n])} of ${complete![n]}`).join('; ')}`);
      }
      const cpuSeconds = istiod.cpuSeconds();
      await fleet.disconnect();
      const mem = await istiod.memory();
      peerResults.push({ variant, label: istiod.label, readyMs: ready, servedMs: served, cpuSeconds, rssBytes: mem.rssBytes, heapBytes: mem.heapBytes, retries: c.retries });
    } finally {
      await istiod.stop();
    }
  }
  const rows: string[][] = [];
  for (const p of peerResults) {
    rows.push([p.label, `${fmtMs(p.readyMs)} / ${fmtMs(readyMs)}`, fmtRatio(p.readyMs / readyMs), `${fmtMs(p.servedMs)} / ${fmtMs(servedMs)}`, fmtRatio(p.servedMs / servedMs), `${p.cpuSeconds.toFixed(1)} / ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`, `${fmtMiB(p.heapBytes)} / ${fmtMiB(heap)}`, `${fmtMiB(p.rssBytes)} / ${fmtMiB(rss1)}`]);
  }
  printTable(
    `S5 beside istiod 1.31.0: ${total} endpoints from ${layout.clusters} API servers, from each server's start (istiod / Horizon; ratio > 1: istiod slower or bigger)`,
    ['server', 'ready', 'ratio', `a new client has ${pool.length} assignments`, 'ratio', 'CPU until served', 'heap after GC (Go in use / V8 used)', 'RSS'],
    rows,
  );
  console.log("  istiod's time includes its process start and CRD informers; Horizon starts in the bench's process (its RSS includes the bench's).");
}

writeResult(
  'S5',
  {
    layout,
    endpoints: total,
    emulatorLoadMs: loaded.ms,
    readyMs,
    modelMs,
    servedMs,
    horizonCpuSeconds: (cpu.user + cpu.system) / 1e6,
    emulatorCpuSeconds: hostCpu,
    rssBytes: rss1,
    rssGrowthBytes: rss1 - rss0,
    heapUsedBytes: heap,
    clientCompleteMs: summarize(conn.completeMs).max,
    nodeShape,
    ...(peers ? { istiod: peerResults } : {}),
  },
  machine,
);
await fleet.close();
if (!peers) await horizon.close();
await peers?.close();
await host.close();
process.exit(0);
