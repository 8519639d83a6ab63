// istiod beside Horizon in the same scenario run (`npm run bench -- S2 --peer istiod`): the same emulated
// clusters, the same load generator, the same changes. The clusters get what istiod needs from them, as
// docs/istiod-beside-horizon.md says: Istio's CRDs in every cluster and the remote clusters registered
// through one Secret in the primary. In a peer run Horizon reads the remote clusters from that same
// Secret (not from kubeconfig contexts) and the pods carry the label sidecar injection adds
// (security.istio.io/tlsMode=istio: without it istiod sends nothing across networks), so both servers
// serve the same mesh the same way.
//
// istiod runs in two configurations, each named in every table:
//   defaults: as shipped: push debounce 100 ms quiet / 10 s max, 25 new xDS streams a second admitted
//             on 2 cores (a stream that would wait over 1 s is refused with RESOURCE_EXHAUSTED; clients
//             come back with Envoy's backoff), 25 concurrent pushes;
//   tuned:    Horizon's debounce (5 ms quiet / 50 ms max) and no admission limit
//             (PILOT_MAX_REQUESTS_PER_SECOND very high; Horizon admits streams without a rate limit).
//             Concurrent pushes stay at istiod's default in both.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { applyIstioCrds, startIstiod, type Istiod } from '../../src/peers/istiod.js';
import { peerBinaries, type PeerBinaries } from '../../src/peers/peer-binaries.js';
import { runOk } from '../../src/util/run-command.js';
import type { ClusterHost } from './cluster-host-client.js';
import { procUsage } from './usage.js';

export const ISTIO_RELEASE = '1.31.0';

/** Horizon's push coalescing defaults (src/xds/server push queue): what `tuned` gives istiod. */
export const HORIZON_DEBOUNCE = { afterMs: 5, maxMs: 50 };

/** Envoy's ADS retry: jittered exponential backoff, 500 ms base, 30 s cap (Envoy's SubscriptionFactory). */
export const ENVOY_RETRY = { baseMs: 500, maxMs: 30_000 };

export type IstiodVariant = 'defaults' | 'tuned';

export const ISTIOD_VARIANTS: Record<IstiodVariant, { label: string; what: string; debounce?: { afterMs: number; maxMs: number }; env: Record<string, string> }> = {
  defaults: {
    label: 'istiod (defaults)',
    what: 'debounce 100 ms quiet / 10 s max; 25 new streams/s admitted (over 1 s of waiting: refused, the client backs off as Envoy does); 25 concurrent pushes',
    env: {},
  },
  tuned: {
    label: "istiod (tuned: Horizon's debounce, no admission limit)",
    what: `debounce ${HORIZON_DEBOUNCE.afterMs} ms quiet / ${HORIZON_DEBOUNCE.maxMs} ms max (PILOT_DEBOUNCE_AFTER/MAX, as Horizon); admission limit lifted (PILOT_MAX_REQUESTS_PER_SECOND=1000000); 25 concurrent pushes (default)`,
    debounce: HORIZON_DEBOUNCE,
    env: { PILOT_MAX_REQUESTS_PER_SECOND: '1000000' },
  },
};

/** The scenario flags of a peer run: `--peer istiod [--peer-variants defaults,tuned]`. */
export const PEER_FLAGS = {
  peer: { type: 'string', default: '' },
  'peer-variants': { type: 'string', default: 'defaults,tuned' },
} as const;

/** The istiod variants a scenario's flags ask for ([] without --peer); refuses anything else. */
export function peerVariants(values: { peer: string; 'peer-variants': string }): IstiodVariant[] {
  if (values.peer === '') return [];
  if (values.peer !== 'istiod') throw new Error(`--peer ${JSON.stringify(values.peer)}: the only peer is istiod`);
  const out = values['peer-variants'].split(',').map((v) => v.trim());
  for (const v of out) if (!(v in ISTIOD_VARIANTS)) throw new Error(`--peer-variants: unknown ${JSON.stringify(v)} (have: ${Object.keys(ISTIOD_VARIANTS).join(', ')})`);
  return out as IstiodVariant[];
}

/** The emulated clusters made ready for istiod (CRDs, remote Secret); starts istiods on them. */
export class PeerClusters {
  private constructor(
    readonly binaries: PeerBinaries,
    private readonly dir: string,
    /** The primary's kubeconfig alone (what istiod's --kubeconfig gets). */
    readonly primaryKubeconfig: string,
    readonly primaryContext: string,
  ) {}

  /**
   * Applies Istio's CRDs to every cluster and registers every cluster after the first through Secret
   * istio-system/remote-clusters in the first (one key per cluster ID), the way both servers read them.
   */
  static async prepare(host: ClusterHost): Promise<PeerClusters> {
    const binaries = await peerBinaries();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-bench-peers-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, host.kubeconfig, { mode: 0o600 });
    const kubectl = (args: string[]) => runOk('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeoutMs: 180_000 });
    const minified = (context: string) => kubectl(['config', 'view', '--minify', '--flatten', '--context', context]);
    const [primary, ...remotes] = host.contexts;
    if (!primary) throw new Error('no clusters');
    for (const c of host.contexts) await applyIstioCrds(binaries, kubeconfig, c);
    if (remotes.length > 0) {
      const args = ['--context', primary, '-n', 'istio-system', 'create', 'secret', 'generic', 'remote-clusters'];
      for (const r of remotes) {
        const file = path.join(dir, `remote-${r}`);
        await writeFile(file, await minified(r), { mode: 0o600 });
        args.push(`--from-file=${r}=${file}`);
      }
      await kubectl(args);
      await kubectl(['--context', primary, '-n', 'istio-system', 'label', 'secret', 'remote-clusters', 'istio/multiCluster=true']);
    }
    return new PeerClusters(binaries, dir, await minified(primary), primary);
  }

  /** istiod of `variant` on these clusters, ready (its /ready answered 200). */
  async startIstiod(variant: IstiodVariant, readyTimeoutMs = 600_000): Promise<IstiodTarget> {
    const v = ISTIOD_VARIANTS[variant];
    const istiod = await startIstiod({
      binaries: this.binaries,
      kubeconfigYaml: this.primaryKubeconfig,
      clusterId: this.primaryContext,
      workDir: path.join(this.dir, `istiod-${variant}`),
      env: v.env,
      readyTimeoutMs,
      ...(v.debounce ? { debounce: v.debounce } : {}),
    });
    return new IstiodTarget(variant, istiod);
  }

  async close(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Go's heap figures from istiod's /metrics (Prometheus text). */
function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

export class IstiodTarget {
  readonly label: string;

  constructor(
    readonly variant: IstiodVariant,
    readonly istiod: Istiod,
  ) {
    this.label = ISTIOD_VARIANTS[variant].label;
  }

  get address(): string {
    return this.istiod.xdsAddress;
  }

  get pid(): number {
    const pid = this.istiod.status().pid;
    if (pid === undefined) throw new Error(`${this.label} is not running (${this.istiod.status().lastExit ?? 'no exit recorded'}); its log: ${this.istiod.logFile}`);
    return pid;
  }

  /** CPU seconds istiod has used (from /proc). */
  cpuSeconds(): number {
    return procUsage(this.pid)?.cpuSeconds ?? NaN;
  }

  /**
   * istiod's memory after a full GC, as Horizon's is taken: pprof's heap profile with gc=1 runs
   * runtime.GC() first; then Go's heap in use (the counterpart of V8's heap used) and the RSS. Go hands
   * freed pages back to the OS lazily, so its RSS lags behind its heap.
   */
  async memory(): Promise<{ rssBytes: number; heapBytes: number }> {
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${this.istiod.monitoringUrl}/debug/pprof/heap?gc=1`, { signal: AbortSignal.timeout(60_000) });
      await r.arrayBuffer();
    }
    await new Promise((r) => setTimeout(r, 200));
    const text = await (await fetch(`${this.istiod.monitoringUrl}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    return { rssBytes: procUsage(this.pid)?.rssBytes ?? NaN, heapBytes: metric(text, 'go_memstats_heap_inuse_bytes') };
  }

  stop(): Promise<void> {
    return this.istiod.stop();
  }
}
