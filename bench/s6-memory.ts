// S6: memory. Horizon's RSS (and V8 heap) after a full GC:
//   per endpoint: 1000 services x 10 endpoints loaded, no stream connected, before and after adding 50k
//   endpoints (pods) to the same services;
//   per connected EDS-only stream: on that mesh, at 1000 and then 2000 streams (10 EDS names each). The
//   first state also fills the provider's resource cache that every later stream shares, so its average
//   per stream overstates a stream; the marginal cost (the difference between consecutive states over
//   the streams added) is the per-stream figure, and what the first state holds beyond its streams'
//   share is the one-off cost of what they filled for all (the resource cache and other shared state;
//   the cache's own size count is printed beside it).
// With --peer istiod, one istiod (tuned: its memory does not depend on debounce, and without the
// admission limit 2000 streams connect in seconds, not minutes) runs on the same clusters from the
// start, measured the same way: Go's heap in use and its RSS after a forced GC (pprof heap?gc=1) before
// and after the same endpoints are added, then with the same streams (sidecar-shaped for both).
//   npm run bench -- S6 [--streams 1000,2000] [--names 10] [--add-endpoints 50] [--peer istiod]
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { ENVOY_RETRY, PEER_FLAGS, PeerClusters, peerVariants, type IstiodTarget } from './support/peers.js';
import { fmtMiB, fmtRatio, machineFacts, machineLine, printTable, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { settledRss } from './support/usage.js';
import { edsName, expectedAddresses, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S6', {
  streams: { type: 'string', default: '1000,2000' },
  names: { type: 'string', default: '10' },
  services: { type: 'string', default: '1000' },
  endpoints: { type: 'string', default: '10' },
  'add-endpoints': { type: 'string', default: '50' },
  ...PEER_FLAGS,
});
const variants = peerVariants(values);
const peerVariant = variants.includes('tuned') ? 'tuned' : variants[0];
const nodeShape = peerVariant ? 'sidecar' : 'plain';

const layout: MeshLayout = { clusters: 4, networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10, istioPods: peerVariant !== undefined };
const machine = machineFacts();
console.log(`S6 memory (${machineLine(machine)})`);
const host = await ClusterHost.start(layout);
await host.load();
const peers = peerVariant ? await PeerClusters.prepare(host) : undefined;
const horizon = await host.startHorizon(peers ? { contexts: [peers.primaryContext] } : {});
await waitForMesh(horizon, layout);
const fleet = await LoadFleet.start(1);
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s));
const heap = () => process.memoryUsage().heapUsed;
// istiod runs beside Horizon from here (memory is per process: what one does does not move the other's).
const istiod: IstiodTarget | undefined = peers && peerVariant ? await peers.startIstiod(peerVariant) : undefined;
/** Waits until istiod serves `l` (every 100th service, all its addresses), on one stream it then closes. */
async function istiodHas(l: MeshLayout): Promise<void> {
  const names = pool.filter((_, s) => s % 100 === 0);
  const complete = Object.fromEntries(names.map((n, i) => [n, expectedAddresses(l, i * 100, 'network1')]));
  const plan: SubscriptionPlan = { streams: 1, typeUrl: EDS, hot: [], pool: names, perStream: names.length, networks: ['network1'] };
  const r = await fleet.connect(istiod!.address, plan, { node: 'sidecar', complete, retry: ENVOY_RETRY, timeoutMs: 300_000 });
  await fleet.disconnect();
  if (r.timedOut) throw new Error(`S6: ${istiod!.label} did not serve every address within 300 s`);
}
const istiodRows: string[][] = [];
let istiodBefore: { rssBytes: number; heapBytes: number } | undefined;
if (istiod) {
  await istiodHas(layout);
  istiodBefore = await istiod.memory();
}

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
let istiodEndpoints: { beforeRssBytes: number; beforeHeapBytes: number; afterRssBytes: number; afterHeapBytes: number; perEndpointRssBytes: number; perEndpointHeapBytes: number } | undefined;
if (istiod && istiodBefore) {
  await istiodHas(grown);
  const m = await istiod.memory();
  istiodEndpoints = { beforeRssBytes: istiodBefore.rssBytes, beforeHeapBytes: istiodBefore.heapBytes, afterRssBytes: m.rssBytes, afterHeapBytes: m.heapBytes, perEndpointRssBytes: (m.rssBytes - istiodBefore.rssBytes) / addedEndpoints, perEndpointHeapBytes: (m.heapBytes - istiodBefore.heapBytes) / addedEndpoints };
}
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
const planOf = (n: number): SubscriptionPlan => ({ streams: n, typeUrl: EDS, hot: [], pool, perStream: Number(values.names), networks: ['network1', 'network2'] });
for (const n of values.streams.split(',').map(Number)) {
  const plan = planOf(n);
  const r = await fleet.connect(horizon.xds.address, plan, { node: nodeShape });
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

// ---- istiod: the same streams, its memory after a forced GC ----
const istiodStreams: Array<{ streams: number; rssBytes: number; heapBytes: number; marginalRssBytesPerStream?: number; marginalHeapBytesPerStream?: number }> = [];
if (istiod && istiodEndpoints) {
  for (const n of values.streams.split(',').map(Number)) {
    const r = await fleet.connect(istiod.address, planOf(n), { node: 'sidecar', retry: ENVOY_RETRY, timeoutMs: 600_000 });
    if (r.timedOut) throw new Error(`S6: ${istiod.label}: ${r.incomplete} streams incomplete`);
    await new Promise((res) => setTimeout(res, 500));
    const m = await istiod.memory();
    const prev = istiodStreams[istiodStreams.length - 1];
    istiodStreams.push({
      streams: n,
      ...m,
      ...(prev && n > prev.streams ? { marginalRssBytesPerStream: (m.rssBytes - prev.rssBytes) / (n - prev.streams), marginalHeapBytesPerStream: (m.heapBytes - prev.heapBytes) / (n - prev.streams) } : {}),
    });
    await fleet.disconnect();
    await new Promise((res) => setTimeout(res, 1000));
  }
  const im = istiodStreams.find((s) => s.marginalHeapBytesPerStream !== undefined);
  const hm = states.find((s) => s.marginalHeapBytesPerStream !== undefined);
  istiodRows.push([
    'per endpoint (heap: Go in use / V8 used)',
    `${istiodEndpoints.perEndpointHeapBytes.toFixed(0)} B`,
    `${perEndpointHeap.toFixed(0)} B`,
    fmtRatio(istiodEndpoints.perEndpointHeapBytes / perEndpointHeap),
  ]);
  istiodRows.push(['per endpoint (RSS)', `${istiodEndpoints.perEndpointRssBytes.toFixed(0)} B`, `${perEndpointRss.toFixed(0)} B`, fmtRatio(istiodEndpoints.perEndpointRssBytes / perEndpointRss)]);
  if (im && hm) {
    istiodRows.push([`per stream, marginal ${hm.marginalFromStreams} -> ${hm.streams} (heap)`, kib(im.marginalHeapBytesPerStream), kib(hm.marginalHeapBytesPerStream), fmtRatio(im.marginalHeapBytesPerStream! / hm.marginalHeapBytesPerStream!)]);
    istiodRows.push([`per stream, marginal ${hm.marginalFromStreams} -> ${hm.streams} (RSS)`, kib(im.marginalRssBytesPerStream), kib(hm.marginalRssBytesPerStream), fmtRatio(im.marginalRssBytesPerStream! / hm.marginalRssBytesPerStream!)]);
  }
  for (const s of istiodStreams) {
    const h = states.find((x) => x.streams === s.streams);
    istiodRows.push([`whole process with ${s.streams} streams (heap / RSS)`, `${fmtMiB(s.heapBytes)} / ${fmtMiB(s.rssBytes)}`, h ? `${fmtMiB(h.heapBytes)} / ${fmtMiB(h.rssBytes)}` : '-', h ? fmtRatio(s.heapBytes / h.heapBytes) : '-']);
  }
  await istiod.stop();
}

printTable('S6 Horizon memory after a full GC', ['state', 'RSS', 'V8 heap', 'per unit (RSS)', 'per unit (heap)'], rows);
console.log(`  per 10k endpoints: ${fmtMiB(perEndpointRss * 10_000)} RSS, ${fmtMiB(perEndpointHeap * 10_000)} heap.`);
if (marginal && sharedOneOff) {
  console.log(
    `  per connected stream (marginal, ${marginal.marginalFromStreams} -> ${marginal.streams}): ${kib(marginal.marginalRssBytesPerStream)} RSS, ${kib(marginal.marginalHeapBytesPerStream)} heap;` +
      ` one-off shared state (resource cache and the rest), once: ${fmtMiB(sharedOneOff.rssBytes)} RSS, ${fmtMiB(sharedOneOff.heapBytes)} heap (the cache counts itself at ${fmtMiB(sharedOneOff.providerCacheSizeBytes)}).`,
  );
} else console.log('  (one stream count only: no marginal cost per stream; give two, e.g. --streams 1000,2000)');
console.log('  Targets: < 100 KB per stream (marginal), < 1 KB per endpoint.');
if (istiod) {
  printTable(
    `S6 beside ${istiod.label} 1.31.0, after a forced GC each: the same endpoints added, the same streams (ratio > 1: istiod uses more)`,
    ['measure', 'istiod', 'Horizon', 'istiod / Horizon'],
    istiodRows,
  );
  console.log("  Horizon's process also holds the bench's driver (its RSS and heap are the whole bench process's); istiod's RSS lags its heap (Go returns pages lazily).");
}
writeResult('S6', { layout, namesPerStream: Number(values.names), streams: states, sharedOneOff, endpoints: { added: addedEndpoints, beforeRssBytes: before, afterRssBytes: after, beforeHeapBytes: beforeHeap, afterHeapBytes: afterHeap, perEndpointRssBytes: perEndpointRss, perEndpointHeapBytes: perEndpointHeap }, nodeShape, ...(istiod ? { istiod: { variant: peerVariant, label: istiod.label, endpoints: istiodEndpoints, streams: istiodStreams } } : {}) }, machine);
await fleet.close();
await horizon.close();
await peers?.close();
await host.close();
process.exit(0);
