// S4: reconnect storm. N streams open at once, each subscribing to 100 EDS clusters (1000 services x 10
// endpoints, 4 clusters, 2 networks); measured until every stream has all its resources and has ACKed
// them (client side), and until Horizon has processed every ACK (server side). The first storm meets a
// cold resource cache (as after a Horizon restart), the next ones a warm one. The same storm against a
// bare grpc-js server (answers with the bytes Horizon sent, looked up in a map: no decisions) is the floor.
// With --peer istiod, the same storms against istiod (support/peers.ts), Horizon stopped first; a stream
// istiod refuses (its admission limit) comes back with Envoy's backoff.
//   npm run bench -- S4 [--streams 1000] [--names 100] [--repeat 3] [--peer istiod]
import { jsonToStruct } from '../src/xds/codec/struct.js';
import { parseNode } from '../src/xds/xds-node.js';
import type { AckEvent } from '../src/xds/server/observer.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { BareFanout } from './support/bare-fanout.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { LoadFleet } from './support/load-fleet.js';
import { ENVOY_RETRY, PEER_FLAGS, PeerClusters, peerVariants } from './support/peers.js';
import { PhaseProfiler } from './support/profiler.js';
import { fmtMs, fmtRatio, machineFacts, machineLine, now, printTable, summarize, writeResult } from './support/report.js';
import type { SubscriptionPlan } from './support/subscriptions.js';
import { edsName, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S4', {
  streams: { type: 'string', default: '1000' },
  names: { type: 'string', default: '100' },
  repeat: { type: 'string', default: '3' },
  services: { type: 'string', default: '1000' },
  endpoints: { type: 'string', default: '10' },
  'load-procs': { type: 'string', default: '1' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
  ...PEER_FLAGS,
});
const variants = peerVariants(values);
const nodeShape = variants.length > 0 ? 'sidecar' : 'plain';

const layout: MeshLayout = { clusters: 4, networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 10, istioPods: variants.length > 0 };
const streams = Number(values.streams);
const repeat = Number(values.repeat);
const machine = machineFacts();
console.log(`S4 reconnect storm (${machineLine(machine)})`);
console.log(`  ${streams} streams open at once, ${values.names} EDS names each, ${layout.services} services x ${layout.endpointsPerService} endpoints; ${repeat} storms`);

const host = await ClusterHost.start(layout);
await host.load();
const peers = variants.length > 0 ? await PeerClusters.prepare(host) : undefined;
let acks = 0;
let lastAckAt = 0;
const horizon = await host.startHorizon({
  ...(peers ? { contexts: [peers.primaryContext] } : {}),
  xdsObserver: {
    onAck: (e: AckEvent) => {
      if (e.typeUrl !== EDS) return;
      acks++;
      lastAckAt = now();
    },
  },
});
await waitForMesh(horizon, layout);
const fleet = await LoadFleet.start(Number(values['load-procs']));
const pool = Array.from({ length: layout.services }, (_, s) => edsName(layout, s));
const networks = ['network1', 'network2'];
const plan: SubscriptionPlan = { streams, typeUrl: EDS, hot: [], pool, perStream: Number(values.names), networks };
const profiler = new PhaseProfiler(values.profile);

interface Storm {
  label: string;
  allMs: number;
  p50Ms: number;
  serverAllAckedMs: number;
}
const storms: Storm[] = [];
for (let i = 0; i < repeat; i++) {
  acks = 0;
  const startAt = now();
  if (i === 0) await profiler.start();
  const r = await fleet.connect(horizon.xds.address, plan, { timeoutMs: 120_000, node: nodeShape });
  if (i === 0) await profiler.stop('S4-horizon-cold');
  if (r.timedOut) throw new Error(`S4: ${r.incomplete} streams incomplete after 120 s`);
  const deadline = Date.now() + 30_000;
  while (acks < streams && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
  const s = summarize(r.completeMs);
  storms.push({ label: i === 0 ? 'horizon, cold cache' : `horizon, warm cache #${i}`, allMs: s.max, p50Ms: s.p50, serverAllAckedMs: acks >= streams ? lastAckAt - startAt : NaN });
  await fleet.disconnect();
  while (horizon.xds.connectionCount() > 0) await new Promise((res) => setTimeout(res, 20));
}

// The floor writes Horizon's own assignments (taken after Horizon's storms, so its cold run stayed cold).
const anyByNetwork = new Map(
  networks.map((n) => {
    const node = parseNode({ id: 'bench', metadata: jsonToStruct({ NETWORK: n }) });
    return [n, new Map(horizon.provider.resources(EDS, node, new Set(pool)).map((r) => [r.name, r.any]))];
  }),
);
const bare = new BareFanout((network, name) => anyByNetwork.get(network)?.get(name));
await bare.start();
const bareRuns: number[] = [];
for (let i = 0; i < repeat; i++) {
  const r = await fleet.connect(bare.address, plan, { timeoutMs: 120_000, node: nodeShape });
  bareRuns.push(summarize(r.completeMs).max);
  await fleet.disconnect();
}
bare.close();
const bareMedian = summarize(bareRuns).p50;

printTable(
  `S4 ${streams} streams x ${values.names} EDS names subscribe at once`,
  ['run', 'all ACKed (client)', 'p50 stream', 'all ACKs processed (server)', 'vs bare'],
  [
    ...storms.map((s) => [s.label, fmtMs(s.allMs), fmtMs(s.p50Ms), fmtMs(s.serverAllAckedMs), fmtRatio(s.allMs / bareMedian)]),
    [`bare grpc-js (median of ${repeat})`, fmtMs(bareMedian), '', '', '1.00x'],
  ],
);
console.log(`  Target: all ${streams} ACKed within 5 s. istiod's defaults admit 25 streams/s on 2 cores: at least ${(streams / 25).toFixed(0)} s.`);

// ---- istiod: the same storms (a new istiod is cold; the storms after it warm) ----
const peerStorms: Array<{ variant: string; label: string; storms: Array<{ allMs: number; p50Ms: number; retries: number }> }> = [];
if (peers) {
  await horizon.close();
  for (const variant of variants) {
    const istiod = await peers.startIstiod(variant);
    const runs: Array<{ allMs: number; p50Ms: number; retries: number }> = [];
    try {
      for (let i = 0; i < repeat; i++) {
        const r = await fleet.connect(istiod.address, plan, { timeoutMs: 900_000, node: nodeShape, retry: ENVOY_RETRY });
        if (r.timedOut) throw new Error(`S4: ${istiod.label}: ${r.incomplete} streams incomplete after 900 s`);
        const s = summarize(r.completeMs);
        runs.push({ allMs: s.max, p50Ms: s.p50, retries: r.retries });
        await fleet.disconnect();
        await new Promise((res) => setTimeout(res, 1000));
      }
    } finally {
      await istiod.stop();
    }
    peerStorms.push({ variant, label: istiod.label, storms: runs });
  }
  const rows: string[][] = [];
  for (let i = 0; i < repeat; i++) {
    const mine = storms[i]!;
    for (const p of peerStorms) {
      const x = p.storms[i]!;
      rows.push([i === 0 ? 'cold' : `warm #${i}`, p.label, fmtMs(x.allMs), fmtMs(mine.allMs), fmtRatio(x.allMs / mine.allMs), fmtMs(x.p50Ms), fmtMs(mine.p50Ms), `${x.retries}`]);
    }
  }
  printTable(
    `S4 beside istiod 1.31.0: ${streams} streams x ${values.names} EDS names at once; until every stream has all it asked for (ratio > 1: istiod slower)`,
    ['storm', 'server', 'istiod all', 'Horizon all', 'istiod / Horizon', 'istiod p50 stream', 'Horizon p50 stream', 'refused, retried'],
    rows,
  );
}
writeResult('S4', { layout, streams, namesPerStream: Number(values.names), nodeShape, storms, bareMs: bareRuns, istiodAdmissionFloorS: streams / 25, ...(peers ? { istiod: peerStorms } : {}) }, machine);
await fleet.close();
if (!peers) await horizon.close();
await peers?.close();
await host.close();
process.exit(0);
