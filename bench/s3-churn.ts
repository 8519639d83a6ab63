// S3: sustained churn. 50k endpoints (5000 services x 10 over 4 clusters, 2 networks), 1000 connected
// streams (100 EDS names each: every service has about 20 subscribers), and pods replaced at a steady
// rate at the API servers (delete + create: a new pod name and address, one EndpointSlice update).
// Measured: Horizon's CPU (share of one core), the latency from each change at the API server to each
// subscribed client, and Horizon's RSS over time (it must stay flat).
//   npm run bench -- S3 [--duration 120] [--rate 30] [--streams 1000] [--services 5000] [--endpoints 10]
import { writeHeapSnapshot } from 'node:v8';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh, type ChangeEvent } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { PhaseProfiler } from './support/profiler.js';
import { fmtMiB, fmtMs, machineFacts, machineLine, printTable, summarize, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { settledRss, UsageSampler, procUsage } from './support/usage.js';
import { edsName, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S3', {
  duration: { type: 'string', default: '180' },
  rate: { type: 'string', default: '30' },
  streams: { type: 'string', default: '1000' },
  services: { type: 'string', default: '5000' },
  endpoints: { type: 'string', default: '10' },
  names: { type: 'string', default: '100' },
  'load-procs': { type: 'string', default: '1' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
  'heap-snapshots': { type: 'string', default: '' },
  slow: { type: 'string', default: '50' },
});

const layout: MeshLayout = { clusters: 4, networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10 };
const durationS = Number(values.duration);
const rate = Number(values.rate);
const streams = Number(values.streams);
const machine = machineFacts();
console.log(`S3 sustained churn (${machineLine(machine)})`);
console.log(`  ${layout.services * layout.endpointsPerService} endpoints (${layout.services} services), ${streams} streams x ${values.names} EDS names, ${rate} pod replacements/s for ${durationS} s`);

const host = await ClusterHost.start(layout);
const loaded = await host.load();
console.log(`  emulated clusters loaded: ${loaded.pods} pods, ${loaded.slices} slices in ${fmtMs(loaded.ms)}`);
const horizon = await host.startHorizon();
await waitForMesh(horizon, layout);
const fleet = await LoadFleet.start(Number(values['load-procs']));
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s));
const plan: SubscriptionPlan = { streams, typeUrl: EDS, hot: [], pool, perStream: Number(values.names), networks: ['network1', 'network2'] };
const conn = await fleet.connect(horizon.xds.address, plan);
if (conn.timedOut) throw new Error(`S3: ${conn.incomplete} streams incomplete after connecting`);
console.log(`  ${streams} streams connected and synced in ${fmtMs(summarize(conn.completeMs).max)}`);
// Slow clients: some streams stop reading for the whole run. Reported: how many ended blocked by flow
// control or with merged pending work, and what they read once resumed. Whether the server's
// one-response-in-flight bound holds is shown by the 'slow client' server test
// (test/xds/ads-server-sotw.test.ts): at this rate the paused streams may never fill their windows.
const slow = Number(values.slow);
if (slow > 0) await fleet.pause(slow);

const rssBefore = await settledRss();
const heapBefore = process.memoryUsage().heapUsed;
const extBefore = process.memoryUsage().external;
if (values['heap-snapshots']) console.log(`  heap snapshot: ${writeHeapSnapshot(`${values['heap-snapshots']}/S3-before.heapsnapshot`)}`);
const sampler = new UsageSampler(process.pid, 1000);
const loadCpu0 = fleet.cpuSeconds();
const hostCpu0 = procUsage(host.pid)?.cpuSeconds ?? 0;
const latencies: number[] = [];
const perChangeMax: number[] = [];
let missing = 0;
let changes = 0;
const inflight: Promise<void>[] = [];
const profiler = new PhaseProfiler(values.profile);
await profiler.start();
const startedAt = Date.now();
await host.churnStart(rate, layout.services, (e: ChangeEvent) => {
  changes++;
  inflight.push(
    // A replaced pod changes the assignment only for callers on its own network: the others reach it
    // through the gateway, whose weight stays the same, so they are (rightly) sent nothing.
    fleet.expect(`outbound|80||${e.host}`, e.t0, 30_000, [e.network]).then((r) => {
      latencies.push(...r.latencies);
      if (r.latencies.length > 0) perChangeMax.push(Math.max(...r.latencies));
      missing += r.missing;
    }),
  );
});
// Progress line every 10 s.
const progress = setInterval(() => {
  const s = sampler.samples.slice(-10);
  const cores = s.reduce((n, x) => n + x.cores, 0) / Math.max(1, s.length);
  const p99 = summarize(latencies.slice(-5000)).p99;
  console.log(`  t=${Math.round((Date.now() - startedAt) / 1000)}s changes=${changes} cpu=${cores.toFixed(2)} core p99=${fmtMs(p99)} rss=${fmtMiB(s[s.length - 1]?.rssBytes ?? 0)}`);
}, 10_000);
await new Promise((r) => setTimeout(r, durationS * 1000));
await host.churnStop();
clearInterval(progress);
await Promise.all(inflight);
await profiler.stop('S3-horizon');
const avgCores = sampler.averageCores();
const samples = sampler.stop();
const loadCores = (fleet.cpuSeconds() - loadCpu0) / durationS;
const hostCores = ((procUsage(host.pid)?.cpuSeconds ?? 0) - hostCpu0) / durationS;
const rssAfter = await settledRss();
const heapAfter = process.memoryUsage().heapUsed;
const extAfter = process.memoryUsage().external;
if (values['heap-snapshots']) console.log(`  heap snapshot: ${writeHeapSnapshot(`${values['heap-snapshots']}/S3-after.heapsnapshot`)}`);

// RSS trend over the second half (the first half includes the allocator settling after the forced GC
// that measured the start): least-squares slope in MiB per minute.
const steady = samples.filter((s) => s.t >= durationS * 0.5);
const slope = (() => {
  const n = steady.length;
  if (n < 3) return NaN;
  const mx = steady.reduce((a, s) => a + s.t, 0) / n;
  const my = steady.reduce((a, s) => a + s.rssBytes, 0) / n;
  let num = 0;
  let den = 0;
  for (const s of steady) {
    num += (s.t - mx) * (s.rssBytes - my);
    den += (s.t - mx) ** 2;
  }
  return ((num / den) * 60) / 1048576;
})();
// What the slow streams left pending on the server, then how they catch up once they read again.
const slowIds = new Set(Array.from({ length: slow }, (_, i) => `load-${i}`));
const slowConns = horizon.xds.connections().filter((c) => c.node && slowIds.has(c.node.id));
const slowBlocked = slowConns.filter((c) => c.blocked).length;
const slowPending = slowConns.filter((c) => c.types.some((t) => t.pending)).length;
const caughtUp = slow > 0 ? await fleet.resume() : { responsesAfterResume: [], settledMs: 0 };
const lat = summarize(latencies);
const worst = summarize(perChangeMax);
const stats = await fleet.stats();

printTable(
  `S3 ${rate} pod replacements/s for ${durationS} s (${changes} changes, ${latencies.length} deliveries)`,
  ['measure', 'value', 'target'],
  [
    ['Horizon CPU, average', `${avgCores.toFixed(2)} core`, '<= 1 core'],
    ['Horizon CPU, max 1 s sample', `${Math.max(...samples.map((s) => s.cores)).toFixed(2)} core`, ''],
    ['change -> client p50', fmtMs(lat.p50), ''],
    ['change -> client p99', fmtMs(lat.p99), '< 250 ms'],
    ['change -> client max', fmtMs(lat.max), ''],
    ['change -> last subscriber p99', fmtMs(worst.p99), ''],
    ['deliveries missing', `${missing}`, '0'],
    [`slow streams (paused ${durationS} s)`, `${slow}: ${slowBlocked} blocked by flow control, ${slowPending} with merged pending work`, ''],
    ['slow streams after resume: most responses read by one, time to current', slow > 0 ? `${Math.max(...caughtUp.responsesAfterResume)}, ${fmtMs(caughtUp.settledMs)}` : '-', ''],
    ['RSS before -> after (after GC)', `${fmtMiB(rssBefore)} -> ${fmtMiB(rssAfter)}`, 'flat'],
    ['RSS slope, second half', `${slope.toFixed(2)} MiB/min`, '~0'],
    ['V8 heap before -> after (after GC)', `${fmtMiB(heapBefore)} -> ${fmtMiB(heapAfter)}`, 'flat'],
    ['external (buffers) before -> after', `${fmtMiB(extBefore)} -> ${fmtMiB(extAfter)}`, 'flat'],
    ['emulated clusters CPU', `${hostCores.toFixed(2)} core`, ''],
    ['load generator CPU', `${loadCores.toFixed(2)} core`, ''],
  ],
);
const series = samples.filter((_, i) => i % 10 === 0).map((s) => `${Math.round(s.t)}s:${(s.rssBytes / 1048576).toFixed(0)}`);
console.log(`  RSS over time (MiB): ${series.join(' ')}`);
writeResult(
  'S3',
  {
    layout,
    streams,
    namesPerStream: Number(values.names),
    rate,
    durationS,
    changes,
    deliveries: latencies.length,
    missing,
    horizonCpuCores: { average: avgCores, max: Math.max(...samples.map((s) => s.cores)) },
    latencyMs: lat,
    lastSubscriberMs: worst,
    heap: { beforeBytes: heapBefore, afterBytes: heapAfter, externalBeforeBytes: extBefore, externalAfterBytes: extAfter },
    rss: { beforeBytes: rssBefore, afterBytes: rssAfter, slopeMiBPerMin: slope, samples: samples.map((s) => ({ t: s.t, rss: s.rssBytes, cores: s.cores })) },
    slowStreams: { count: slow, blockedAtEnd: slowBlocked, pendingAtEnd: slowPending, responsesAfterResume: caughtUp.responsesAfterResume, settledMs: caughtUp.settledMs },
    emulatorCores: hostCores,
    loadGeneratorCores: loadCores,
    responsesReceived: stats.responses,
  },
  machine,
);
await fleet.close();
await horizon.close();
await host.close();
process.exit(0);
