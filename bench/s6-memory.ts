// S6: memory. Horizon's RSS (and V8 heap) after a full GC:
//   per endpoint: 1000 services x 10 endpoints loaded, no stream connected, before and after adding 50k
//   endpoints (pods) to the same services;
//   per connected EDS-only stream: on that mesh, at 1000 and then 2000 streams (10 EDS names each). The
//   first state also fills the provider's resource cache that every later stream shares, so its average
//   per stream overstates a stream; the marginal cost (the difference between consecutive states over
//   the streams added) is the per-stream figure, and what the first state holds beyond its streams'
//   share is the one-off cost of what they filled for all (the resource cache and other shared state;
//   the cache's own size count is printed beside it).
//   npm run bench -- S6 [--streams 1000,2000] [--names 10] [--add-endpoints 50]
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { fmtMiB, machineFacts, machineLine, printTable, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { settledRss } from './support/usage.js';
import { edsName, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S6', {
  streams: { type: 'string', default: '1000,2000' },
  names: { type: 'string', default: '10' },
  services: { type: 'string', default: '1000' },
  endpoints: { type: 'string', default: '10' },
  'add-endpoints': { type: 'string', default: '50' },
});

const layout: MeshLayout = { clusters: 4, networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10 };
const machine = machineFacts();
console.log(`S6 memory (${machineLine(machine)})`);
const host = await ClusterHost.start(layout);
await host.load();
const horizon = await host.startHorizon();
await waitForMesh(horizon, layout);
const fleet = await LoadFleet.start(1);
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s));
const heap = () => process.memoryUsage().heapUsed;

const rows: string[][] = [];

// Endpoints first, on a process that has not yet held (and freed) the streams' memory: RSS then moves
// with what is kept, not with what the allocator had spare.
const before = await settledRss();
const beforeHeap = heap();
const extra = Number(values['add-endpoints']);
const added = await host.addEndpoints(layout.endpointsPerService, layout.endpointsPerService + extra);
const grown: MeshLayout = { ...layout, endpointsPerService: layout.endpointsPerService + extra };
await waitForMesh(horizon, grown);
await new Promise((res) => setTimeout(res, 500));
const after = await settledRss();
const afterHeap = heap();
const addedEndpoints = layout.services * extra;
const perEndpointRss = (after - before) / addedEndpoints;
const perEndpointHeap = (afterHeap - beforeHeap) / addedEndpoints;
rows.push([`${layout.services * layout.endpointsPerService} endpoints, no stream`, fmtMiB(before), fmtMiB(beforeHeap), '', '']);
rows.push([`+ ${addedEndpoints} endpoints (${added.objects} pods)`, fmtMiB(after), fmtMiB(afterHeap), `${perEndpointRss.toFixed(0)} B RSS / endpoint`, `${perEndpointHeap.toFixed(0)} B heap / endpoint`]);

// Then streams, on top of that mesh.
const base = after;
const baseHeap = afterHeap;
interface StreamState {
  streams: number;
  rssBytes: number;
  heapBytes: number;
  /** (state - no-stream baseline) / streams: includes the shared cache the first state filled. */
  avgRssBytesPerStreamWithCache: number;
  avgHeapBytesPerStreamWithCache: number;
  /** (state - previous state) / streams added: what one more stream costs, cache already full. */
  marginalFromStreams?: number;
  marginalRssBytesPerStream?: number;
  marginalHeapBytesPerStream?: number;
}
const states: StreamState[] = [];
let cacheAfterFirst = horizon.provider.stats();
for (const n of values.streams.split(',').map(Number)) {
  const plan: SubscriptionPlan = { streams: n, typeUrl: EDS, hot: [], pool, perStream: Number(values.names), networks: ['network1', 'network2'] };
  const r = await fleet.connect(horizon.xds.address, plan);
  if (r.timedOut) throw new Error(`S6: ${r.incomplete} streams incomplete`);
  await new Promise((res) => setTimeout(res, 500));
  const rss = await settledRss();
  const h = heap();
  const state: StreamState = { streams: n, rssBytes: rss, heapBytes: h, avgRssBytesPerStreamWithCache: (rss - base) / n, avgHeapBytesPerStreamWithCache: (h - baseHeap) / n };
  const prev = states[states.length - 1];
  if (prev === undefined) cacheAfterFirst = horizon.provider.stats();
  else if (n > prev.streams) {
    state.marginalFromStreams = prev.streams;
    state.marginalRssBytesPerStream = (rss - prev.rssBytes) / (n - prev.streams);
    state.marginalHeapBytesPerStream = (h - prev.heapBytes) / (n - prev.streams);
  }
  states.push(state);
  await fleet.disconnect();
  while (horizon.xds.connectionCount() > 0) await new Promise((res) => setTimeout(res, 20));
}

// The first state = baseline + one-off shared state (resource cache, ...) + streams x marginal cost.
const first = states[0];
const marginal = states.find((s) => s.marginalRssBytesPerStream !== undefined);
const sharedOneOff =
  first && marginal
    ? {
        rssBytes: first.rssBytes - base - first.streams * marginal.marginalRssBytesPerStream!,
        heapBytes: first.heapBytes - baseHeap - first.streams * marginal.marginalHeapBytesPerStream!,
        providerEntries: cacheAfterFirst.entries,
        providerCacheSizeBytes: cacheAfterFirst.bytes,
      }
    : undefined;
const kib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1024).toFixed(1)} KiB`);
for (const s of states) {
  rows.push([`+ ${s.streams} EDS streams`, fmtMiB(s.rssBytes), fmtMiB(s.heapBytes), `${kib(s.avgRssBytesPerStreamWithCache)} RSS / stream with cache`, `${kib(s.avgHeapBytesPerStreamWithCache)} heap / stream with cache`]);
  if (s.marginalFromStreams !== undefined) {
    rows.push([`  marginal, ${s.marginalFromStreams} -> ${s.streams} streams`, '', '', `${kib(s.marginalRssBytesPerStream)} RSS / stream`, `${kib(s.marginalHeapBytesPerStream)} heap / stream`]);
  }
}
if (sharedOneOff) rows.push([`  one-off: shared state the first streams filled (cache: ${sharedOneOff.providerEntries} resources)`, fmtMiB(sharedOneOff.rssBytes), fmtMiB(sharedOneOff.heapBytes), '', '']);

printTable('S6 Horizon memory after a full GC', ['state', 'RSS', 'V8 heap', 'per unit (RSS)', 'per unit (heap)'], rows);
console.log(`  per 10k endpoints: ${fmtMiB(perEndpointRss * 10_000)} RSS, ${fmtMiB(perEndpointHeap * 10_000)} heap.`);
if (marginal && sharedOneOff) {
  console.log(
    `  per connected stream (marginal, ${marginal.marginalFromStreams} -> ${marginal.streams}): ${kib(marginal.marginalRssBytesPerStream)} RSS, ${kib(marginal.marginalHeapBytesPerStream)} heap;` +
      ` one-off shared state (resource cache and the rest), once: ${fmtMiB(sharedOneOff.rssBytes)} RSS, ${fmtMiB(sharedOneOff.heapBytes)} heap (the cache counts itself at ${fmtMiB(sharedOneOff.providerCacheSizeBytes)}).`,
  );
} else console.log('  (one stream count only: no marginal cost per stream; give two, e.g. --streams 1000,2000)');
console.log('  Targets: < 100 KB per stream (marginal), < 1 KB per endpoint.');
writeResult('S6', { layout, namesPerStream: Number(values.names), streams: states, sharedOneOff, endpoints: { added: addedEndpoints, beforeRssBytes: before, afterRssBytes: after, beforeHeapBytes: beforeHeap, afterHeapBytes: afterHeap, perEndpointRssBytes: perEndpointRss, perEndpointHeapBytes: perEndpointHeap } }, machine);
await fleet.close();
await horizon.close();
await host.close();
process.exit(0);
