// Child process hosting the scenario's emulated clusters (real HTTPS API servers on loopback). Changes
// go through the emulator's object API, exactly as a test or kubectl would make them, and reach Horizon
// through the real list/watch path. Each change reports `t0`, the moment it was committed at the API
// server, so latencies are measured from there. Driven by ClusterHost (cluster-host-client.ts).
import { startClusterDefinitions, type EmulatedCluster, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { emit, serveRpc } from './ipc.js';
import { now } from './report.js';
import {
  baseObjects,
  clusterDefinition,
  clusterObjects,
  clusterOfEndpoint,
  hostOf,
  namespaceOf,
  podName,
  podObject,
  type MeshLayout,
} from './workload.js';

let set: EmulatedClusterSet | undefined;
let layout: MeshLayout | undefined;
/** Current generation of every pod (bumped when churn replaces it). */
const generations = new Map<string, number>();
let churnTimer: NodeJS.Timeout | undefined;
let churnOrder: number[] = [];
let churnCursor = 0;
let churnCount = 0;

function cluster(c: number): EmulatedCluster {
  return set!.clusters[c]!;
}

/** Deterministic shuffle, so the same service does not come round again for a long time. */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let x = seed || 1;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Replaces one pod of service `s` (delete + create, one batch: one EndpointSlice update). */
function replacePod(s: number): { host: string; t0: number; cluster: string; network: string } {
  const l = layout!;
  const e = churnCount % l.endpointsPerService;
  const c = clusterOfEndpoint(l, s, e);
  const key = `${s}/${e}`;
  const gen = generations.get(key) ?? 0;
  const em = cluster(c);
  const t0 = now();
  em.batch(() => {
    em.delete('v1', 'Pod', namespaceOf(l, s), podName(s, e, gen));
    em.create(podObject(l, s, e, gen + 1));
  });
  generations.set(key, gen + 1);
  return { host: hostOf(l, s), t0, cluster: em.id, network: em.network };
}

serveRpc(
  {
    /** Starts the clusters with their base objects; returns the kubeconfig (one context per cluster). */
    async start(args: { layout: MeshLayout }) {
      layout = args.layout;
      const defs = Array.from({ length: layout.clusters }, (_, c) => clusterDefinition(layout!, c));
      set = await startClusterDefinitions(defs, { bookmarkIntervalMs: 60_000 });
      for (let c = 0; c < layout.clusters; c++) cluster(c).load(baseObjects(layout, c));
      return { kubeconfig: set.kubeconfigYaml(), contexts: set.clusters.map((x) => x.id) };
    },

    /** Creates every service and pod (controllers run once per cluster at the end). */
    load(args: { from?: number; to?: number } = {}) {
      const l = layout!;
      const t = now();
      let objects = 0;
      for (let c = 0; c < l.clusters; c++) objects += cluster(c).load(clusterObjects(l, c, { from: args.from ?? 0, to: args.to ?? l.services }));
      const slices = set!.clusters.reduce((n, x) => n + x.count('discovery.k8s.io/v1', 'EndpointSlice'), 0);
      const pods = set!.clusters.reduce((n, x) => n + x.count('v1', 'Pod'), 0);
      return { ms: now() - t, objects, pods, slices };
    },

    /** Flips the readiness of endpoint `e` of service `s`: one EndpointSlice update. */
    setReady(args: { service: number; endpoint: number; ready: boolean }) {
      const l = layout!;
      const c = clusterOfEndpoint(l, args.service, args.endpoint);
      const gen = generations.get(`${args.service}/${args.endpoint}`) ?? 0;
      const t0 = now();
      cluster(c).faults.setPodReady(namespaceOf(l, args.service), podName(args.service, args.endpoint, gen), args.ready);
      return { t0, host: hostOf(l, args.service), cluster: cluster(c).id, network: cluster(c).network };
    },

    /** Sets label bench/rev=<rev> on pod `endpoint` of each service (one batch per cluster): an endpoint change that keeps counts. */
    touchPods(args: { services: number[]; endpoint: number; rev: string }) {
      const l = layout!;
      const t0 = now();
      for (let c = 0; c < l.clusters; c++) {
        cluster(c).batch(() => {
          for (const s of args.services) {
            if (clusterOfEndpoint(l, s, args.endpoint) !== c) continue;
            const gen = generations.get(`${s}/${args.endpoint}`) ?? 0;
            cluster(c).patch('v1', 'Pod', namespaceOf(l, s), podName(s, args.endpoint, gen), { metadata: { labels: { 'bench/rev': args.rev } } });
          }
        });
      }
      return { t0 };
    },

    /** Adds endpoints [from, to) to every service (more pods for the same services). */
    addEndpoints(args: { from: number; to: number }) {
      const l = layout!;
      const t = now();
      let objects = 0;
      for (let c = 0; c < l.clusters; c++) {
        const pods = [];
        for (let s = 0; s < l.services; s++) for (let e = args.from; e < args.to; e++) if (clusterOfEndpoint(l, s, e) === c) pods.push(podObject(l, s, e));
        objects += cluster(c).load(pods);
      }
      layout = { ...l, endpointsPerService: Math.max(l.endpointsPerService, args.to) };
      return { ms: now() - t, objects };
    },

    /**
     * Starts replacing pods at `rate` per second over `services` (a shuffled rotation, so one service
     * changes again only after all others did). Each change is reported as a 'change' event.
     */
    churnStart(args: { rate: number; services: number; seed?: number }) {
      churnOrder = shuffled(args.services, args.seed ?? 7);
      churnCursor = 0;
      const intervalMs = 1000 / args.rate;
      let next = now();
      const tick = () => {
        const t = now();
        while (next <= t) {
          const s = churnOrder[churnCursor++ % churnOrder.length]!;
          churnCount++;
          emit('change', replacePod(s));
          next += intervalMs;
        }
        churnTimer = setTimeout(tick, Math.max(0, next - now()));
      };
      churnTimer = setTimeout(tick, 0);
      return {};
    },

    churnStop() {
      clearTimeout(churnTimer);
      churnTimer = undefined;
      return { changes: churnCount };
    },
  },
  async () => {
    clearTimeout(churnTimer);
    await set?.stop();
  },
);
