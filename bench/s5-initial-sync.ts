// S5: initial sync. 4 clusters (2 networks), 10k services, 150k endpoints (15 per service, spread over
// the clusters) are in the emulated API servers before Horizon starts. Measured from the start of
// Horizon: until it is ready (every cluster listed and watched), until its model holds every service and
// endpoint, and until a client connected at that moment has the assignments of 1000 services spread over
// the mesh (servable).
//   npm run bench -- S5 [--services 10000] [--endpoints 15] [--clusters 4]
import { AdsClient } from '../src/xds/client/ads-client.js';
import type { DecodedClusterLoadAssignment } from '../src/xds/resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { PhaseProfiler } from './support/profiler.js';
import { fmtMiB, fmtMs, machineFacts, machineLine, now, printTable, summarize, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { procUsage, settledRss } from './support/usage.js';
import { edsName, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S5', {
  services: { type: 'string', default: '10000' },
  endpoints: { type: 'string', default: '15' },
  clusters: { type: 'string', default: '4' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
});

const layout: MeshLayout = { clusters: Number(values.clusters), networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10 };
const machine = machineFacts();
const total = layout.services * layout.endpointsPerService;
console.log(`S5 initial sync (${machineLine(machine)})`);
console.log(`  ${layout.clusters} clusters, ${layout.services} services, ${total} endpoints`);

const host = await ClusterHost.start(layout);
const loaded = await host.load();
console.log(`  emulated clusters loaded: ${loaded.objects} objects (${loaded.pods} pods, ${loaded.slices} slices) in ${fmtMs(loaded.ms)}`);
const fleet = await LoadFleet.start(1);
const rss0 = await settledRss();
const cpu0 = process.cpuUsage();
const hostCpu0 = procUsage(host.pid)?.cpuSeconds ?? 0;
const profiler = new PhaseProfiler(values.profile);
await profiler.start();

const t0 = now();
const horizon = await host.startHorizon();
await horizon.whenReady();
const readyMs = now() - t0;
await waitForMesh(horizon, layout);
const modelMs = now() - t0;
// A client arriving now asks for every 10th service: servable when it has them all.
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s)).filter((_, s) => s % 10 === 0);
const plan: SubscriptionPlan = { streams: 1, typeUrl: EDS, hot: [], pool, perStream: pool.length, networks: ['network1'] };
const conn = await fleet.connect(horizon.xds.address, plan, { timeoutMs: 60_000 });
const servedMs = now() - t0;
await profiler.stop('S5-horizon');
const cpu = process.cpuUsage(cpu0);
const hostCpu = (procUsage(host.pid)?.cpuSeconds ?? 0) - hostCpu0;
if (conn.timedOut) throw new Error('S5: the client did not get its assignments');

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
  },
  machine,
);
await fleet.close();
await horizon.close();
await host.close();
process.exit(0);
