// S1: EDS generation and encoding per operation, istiod's BenchmarkEndpointGeneration cases
// (endpoints per service / services: 1/100, 10/10, 100/10, 1000/1, 10000/1), 4 clusters on 4 networks
// with one east-west gateway each. One op = the ClusterLoadAssignments of every service of the case for
// one proxy view (network1), through Horizon's real provider (mesh model -> split horizon -> protobuf).
//   cold (change): after one endpoint of every service of the case changed at the API server (a pod
//           label; the change travels the real watch path and invalidates those services), so nothing is
//           cached. Ops are far apart (each waits for its change), so CPU caches and the JIT's feedback
//           are cold;
//   cold (loop): back to back, as Go's benchmark loop runs istiod's: each op after the same
//           invalidation a change causes (the registry announces the services' endpoints changed: the mesh
//           drops their resolved endpoints, the provider their encoded resources);
//   cached: the same op again.
// With --peer istiod, istiod's own BenchmarkEndpointGeneration (support/istiod-go-bench.ts: as shipped,
// and edited to generate what S1 generates) runs after Horizon's cases, in the same run, side by side.
//   npm run bench -- S1 [--iterations 40] [--cases 1/100,10/10,100/10,1000/1,10000/1] [--peer istiod]
import type { MeshChanges } from '../src/mesh/mesh-model.js';
import { jsonToStruct } from '../src/xds/codec/struct.js';
import { parseNode } from '../src/xds/xds-node.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../src/xds/type-urls.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { GO_BENCH_BUILDS, runIstiodEndpointBenchmark, type GoBenchCase } from './support/istiod-go-bench.js';
import { PhaseProfiler } from './support/profiler.js';
import { fmtMs, fmtRatio, machineFacts, machineLine, printTable, summarize, writeResult } from './support/report.js';
import { edsName, hostOf, type MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S1', {
  iterations: { type: 'string', default: '40' },
  cases: { type: 'string', default: '1/100,10/10,100/10,1000/1,10000/1' },
  profile: { type: 'string', default: process.env.BENCH_PROFILE_DIR ?? '' },
  peer: { type: 'string', default: '' },
});
if (values.peer !== '' && values.peer !== 'istiod') throw new Error(`--peer ${JSON.stringify(values.peer)}: the only peer is istiod`);

/** istiod's published per-op figures (ms), BenchmarkEndpointGeneration, measured elsewhere (not this machine). */
const ISTIOD_MS: Record<string, number> = { '1/100': 0.119, '10/10': 0.065, '100/10': 0.472, '1000/1': 0.684, '10000/1': 7.1 };

const machine = machineFacts();
console.log(`S1 EDS generation + encoding per op (${machineLine(machine)})`);
const node = parseNode({ id: 'bench-proxy', metadata: jsonToStruct({ NETWORK: 'network1' }) });
const rows: string[][] = [];
const results: Array<{ case: string; coldLoopMs: { p50: number }; coldAfterChangeMs: { p50: number }; bytesPerOp: number; lbEndpointsPerAssignment: number } & Record<string, unknown>> = [];
const profiler = new PhaseProfiler(values.profile);

for (const c of values.cases.split(',')) {
  const [eps, svcs] = c.split('/').map(Number) as [number, number];
  const layout: MeshLayout = { clusters: 4, networks: 4, services: svcs, endpointsPerService: eps, namespaces: Math.min(10, svcs) };
  const host = await ClusterHost.start(layout);
  await host.load();
  const horizon = await host.startHorizon();
  await waitForMesh(horizon, layout);
  const services = Array.from({ length: svcs }, (_, s) => s);
  const names = new Set(services.map((s) => edsName(layout, s)));
  const hosts = new Set(services.map((s) => hostOf(layout, s)));
  const iterations = Math.max(5, Math.round(Number(values.iterations) / (eps >= 10000 ? 2 : 1)));

  // The invalidation a change of these services' endpoints causes (the mesh drops their resolved
  // endpoints, the provider their encoded resources): the next op generates.
  const invalidate = () => horizon.registry.emit('changes', { services: new Set(), endpoints: hosts, configHosts: new Set(), topology: false, clusters: false });

  // Warm up (JIT) on both paths: each op generates after an invalidation, then the same op is a cache hit.
  for (let i = 0; i < 5; i++) {
    invalidate();
    horizon.provider.resources(EDS, node, names);
    horizon.provider.resources(EDS, node, names);
  }

  const cold: number[] = [];
  const cached: number[] = [];
  let bytes = 0;
  let endpointsSent = 0;
  await profiler.start();
  for (let i = 0; i < iterations; i++) {
    // One endpoint of every service changes at the API server; wait until Horizon has seen all of them.
    const seen = new Set<string>();
    const arrived = new Promise<void>((resolve) => {
      const on = (ch: MeshChanges) => {
        for (const h of ch.endpoints) if (hosts.has(h)) seen.add(h);
        if (seen.size === hosts.size) {
          horizon.mesh.off('changes', on);
          resolve();
        }
      };
      horizon.mesh.on('changes', on);
    });
    await host.touchPods(services, 0, `r${i}`);
    await arrived;
    const t0 = performance.now();
    const out = horizon.provider.resources(EDS, node, names);
    cold.push(performance.now() - t0);
    const t1 = performance.now();
    horizon.provider.resources(EDS, node, names);
    cached.push(performance.now() - t1);
    if (out.length !== svcs) throw new Error(`S1 ${c}: got ${out.length} assignments, expected ${svcs}`);
    bytes = out.reduce((n, r) => n + r.any.length, 0);
  }
  await profiler.stop(`S1-${c.replace('/', '-')}`);
  // Back to back: the invalidation a change causes, then the op, many times (the first quarter warms up).
  const loop: number[] = [];
  const loopOps = Math.max(200, Math.min(3000, Math.round(200_000 / (eps * svcs))));
  await profiler.start();
  for (let i = 0; i < loopOps; i++) {
    invalidate();
    const t0 = performance.now();
    horizon.provider.resources(EDS, node, names);
    loop.push(performance.now() - t0);
  }
  await profiler.stop(`S1-${c.replace('/', '-')}-loop`);
  const sl = summarize(loop.slice(Math.floor(loopOps / 4)));
  const plan = horizon.provider.explainAssignment(edsName(layout, 0), { network: 'network1' });
  endpointsSent = plan?.plan.groups.reduce((n, g) => n + g.lbEndpoints.length, 0) ?? 0;
  const sc = summarize(cold);
  const sh = summarize(cached);
  const istiod = ISTIOD_MS[c];
  rows.push([
    c,
    fmtMs(sc.p50),
    fmtMs(sc.p99),
    fmtMs(sl.p50),
    istiod !== undefined ? fmtMs(istiod) : '-',
    istiod !== undefined ? fmtRatio(sl.p50 / istiod) : '-',
    istiod !== undefined ? fmtRatio(sc.p50 / istiod) : '-',
    fmtMs(sh.p50),
    fmtRatio(sl.p50 / sh.p50),
    `${(bytes / 1024).toFixed(1)} KiB`,
  ]);
  results.push({
    case: c,
    endpointsPerService: eps,
    services: svcs,
    iterations,
    coldAfterChangeMs: sc,
    coldLoopMs: sl,
    cachedMs: sh,
    istiodMs: istiod,
    ratioToIstiod: istiod !== undefined ? { loop: sl.p50 / istiod, afterChange: sc.p50 / istiod } : undefined,
    cachedSpeedup: { loop: sl.p50 / sh.p50, afterChange: sc.p50 / sh.p50 },
    bytesPerOp: bytes,
    lbEndpointsPerAssignment: endpointsSent,
  });
  await horizon.close();
  await host.close();
}

printTable(
  'S1 EDS for all services of the case, one proxy view (network1 of 4; 3 other networks behind one gateway each)',
  ['case (eps/svcs)', 'cold (change) p50', 'p99', 'cold (loop) p50', 'istiod', 'loop/istiod', 'change/istiod', 'cached p50', 'loop/cached', 'bytes/op'],
  rows,
);
console.log("  istiod's figures (published, measured elsewhere) come from a back-to-back benchmark loop: the loop column is the like-for-like one.");
console.log('  Targets: cold at or below istiod (1000/1 <= 684 us, 10000/1 <= 7.1 ms); cached >= 10x faster than cold.');

// ---- istiod's own benchmark, here, now ----
let goBench: Record<string, GoBenchCase[]> | undefined;
if (values.peer === 'istiod') {
  goBench = await runIstiodEndpointBenchmark(['as-shipped', 'generating'], (s) => console.log(s));
  const peerRows: string[][] = [];
  for (const r of results) {
    const shipped = goBench['as-shipped']!.find((x) => x.case === r.case);
    const gen = goBench.generating!.find((x) => x.case === r.case);
    if (!gen || !shipped) continue;
    const genMs = gen.nsPerOp / 1e6;
    peerRows.push([
      r.case,
      `${fmtMs(shipped.nsPerOp / 1e6)} (${shipped.resourcesPerMsg} res., ${shipped.kbPerMsg} kB)`,
      `${fmtMs(genMs)} (${gen.resourcesPerMsg} res., ${gen.kbPerMsg.toFixed(1)} kB)`,
      `${fmtMs(r.coldLoopMs.p50)} (${(r.bytesPerOp / 1000).toFixed(1)} kB)`,
      fmtRatio(genMs / r.coldLoopMs.p50),
      fmtMs(r.coldAfterChangeMs.p50),
      fmtRatio(genMs / r.coldAfterChangeMs.p50),
      `${(gen.bytesPerOp / 1024).toFixed(0)} KiB, ${gen.allocsPerOp} allocs`,
    ]);
  }
  printTable(
    "S1 beside istiod 1.31.0's BenchmarkEndpointGeneration, same run (go test -bench; per op; ratio > 1: istiod slower)",
    ['case', GO_BENCH_BUILDS['as-shipped'].label, GO_BENCH_BUILDS.generating.label, 'Horizon cold (loop) p50', 'istiod gen. / loop', 'Horizon cold (change) p50', 'istiod gen. / change', 'istiod Go alloc/op'],
    peerRows,
  );
  console.log('  Ratios are against the generating build (the as-shipped one sends 0 resources: its time is the cost of deciding to skip).');
}
writeResult('S1', { view: 'network1', networks: 4, gatewaysPerNetwork: 1, results, ...(goBench ? { istiodGoBench: goBench } : {}) }, machine);
process.exit(0);
