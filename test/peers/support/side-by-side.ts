// Horizon and istiod started side by side on one set of clusters (the first is the primary; every other
// one is registered through one remote Secret in the primary, read by both), and the comparison of what
// they send callers on each network: for every service (and subset), the pods sent as they are, the
// gateways and each network's share of the calls, as each client kind balances. Horizon is held to what
// the clusters hold (expectedView), istiod to that plus its listed rules; a difference between the two
// is accepted only when both hold and a listed rule explains it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startHorizon, type Horizon } from '../../../src/horizon.js';
import { assignmentsOverAds, sidecarAssignments } from '../../../src/peers/ads-assignments.js';
import { addressShares, sharesBy, type ClientKind } from '../../../src/peers/balancing.js';
import { grpcGoDump } from '../../../src/peers/grpc-go-client.js';
import { applyIstioCrds, startIstiod, type Istiod } from '../../../src/peers/istiod.js';
import type { PeerBinaries } from '../../../src/peers/peer-binaries.js';
import type { DecodedClusterLoadAssignment } from '../../../src/xds/resources/index.js';
import type { KubectlEnv } from '../../emulator/helpers.js';
import { clusterName, expectedView, LISTED_DIFFERENCES, readMeshFacts, type CallerView, type Difference, type MeshFacts } from './mesh-facts.js';

export const ISTIO_VERSION = '1.31.0';
const KINDS: readonly ClientKind[] = ['proxyless', 'envoy'];

export interface MeshCluster {
  context: string;
  clusterId: string;
  network: string;
}

export interface Finding {
  where: string;
  problem: string;
}

export interface Comparison {
  findings: Finding[];
  /** Differences seen and accepted: where -> the listed differences that explain it. */
  accepted: Array<{ where: string; differences: Difference[] }>;
  /** How many (caller, cluster name) pairs were compared. */
  compared: number;
}

interface Held {
  clas: Map<string, DecodedClusterLoadAssignment>;
  /** Assignments grpc-go NACKed: its reason, and what was sent (asked again over raw ADS). */
  rejected: Map<string, { error: string; sent?: DecodedClusterLoadAssignment }>;
}

/** `locality{weight}: address=weight ...` per group: enough to see why shares come out as they do. */
export function describeCla(cla: DecodedClusterLoadAssignment | undefined): string {
  if (!cla) return 'no assignment';
  return cla.endpoints
    .map((g) => `[p${g.priority} ${g.locality.region}/${g.locality.zone}${g.locality.subzone ? `/${g.locality.subzone}` : ''}{${g.loadBalancingWeight ?? '-'}}: ${g.lbEndpoints.map((e) => `${e.address}:${e.port}=${e.loadBalancingWeight ?? '-'}${e.healthStatus === 'HEALTHY' || e.healthStatus === 'UNKNOWN' ? '' : ` ${e.healthStatus}`}`).join(' ')}]`)
    .join(' ');
}

export class SideBySide {
  /** The listed differences seen over every comparison. */
  readonly seen = new Set<string>();

  private constructor(
    private readonly k: KubectlEnv,
    readonly clusters: readonly MeshCluster[],
    private readonly namespaces: readonly string[],
    private readonly peers: PeerBinaries,
    readonly horizon: Horizon,
    readonly istiod: Istiod,
    private readonly workDir: string,
  ) {}

  /**
   * Applies Istio's CRDs to every cluster, registers every cluster after the first through Secret
   * istio-system/remote-clusters in the first (one key per cluster, the Istio way), then starts Horizon
   * in-process and istiod as a process, both on the first cluster.
   */
  static async start(opts: { k: KubectlEnv; kubeconfigText: string; kubeconfigFile: string; clusters: readonly MeshCluster[]; namespaces: readonly string[]; peers: PeerBinaries }): Promise<SideBySide> {
    const { k, clusters, peers } = opts;
    const [primary, ...remotes] = clusters;
    if (!primary) throw new Error('no clusters');
    for (const c of clusters) await applyIstioCrds(peers, opts.kubeconfigFile, c.context);
    const minified = async (c: MeshCluster) => (await k.run(['config', 'view', '--minify', '--flatten', '--context', c.context])).stdout;
    if (remotes.length > 0) {
      const args = ['--context', primary.context, '-n', 'istio-system', 'create', 'secret', 'generic', 'remote-clusters'];
      for (const r of remotes) args.push(`--from-file=${r.clusterId}=${await k.file(`remote-${r.clusterId}`, await minified(r))}`);
      await k.run(args);
      await k.run(['--context', primary.context, '-n', 'istio-system', 'label', 'secret', 'remote-clusters', 'istio/multiCluster=true']);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(opts.kubeconfigText);
    const horizon = await startHorizon({ kubeConfig, contexts: [primary.context], clusterId: primary.clusterId, xdsAddress: '127.0.0.1:0' });
    const workDir = await mkdtemp(path.join(os.tmpdir(), 'horizon-peers-'));
    try {
      await horizon.whenReady();
      const started = Date.now();
      const istiod = await startIstiod({ binaries: peers, kubeconfigYaml: await minified(primary), clusterId: primary.clusterId, workDir: path.join(workDir, 'istiod') });
      console.log(`      istiod ${ISTIO_VERSION} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (xDS ${istiod.xdsAddress})`);
      return new SideBySide(k, clusters, opts.namespaces, peers, horizon, istiod, workDir);
    } catch (err) {
      await horizon.close();
      await rm(workDir, { recursive: true, force: true });
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.istiod.stop();
    await this.horizon.close();
    await rm(this.workDir, { recursive: true, force: true });
    if (this.seen.size > 0) console.log(`      listed differences seen: ${[...this.seen].join('; ')}`);
  }

  /** Compares until nothing is unexplained or `settleMs` passed; returns the last comparison. */
  async compareUntilSettled(settleMs = 90_000): Promise<Comparison> {
    const deadline = Date.now() + settleMs;
    for (;;) {
      const facts = await readMeshFacts(this.k, this.clusters, this.namespaces);
      const c = await this.compareOnce(facts);
      if (c.findings.length === 0 || Date.now() > deadline) {
        for (const a of c.accepted) for (const d of a.differences) this.seen.add(d.id);
        return c;
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }

  private callerOf(c: MeshCluster, i: number) {
    return { ip: `203.0.113.${i + 1}`, name: `caller-${c.network}` };
  }

  private async held(server: 'horizon' | 'istiod', kind: ClientKind, c: MeshCluster, i: number, facts: MeshFacts): Promise<Held> {
    const address = server === 'horizon' ? this.horizon.xds.address : this.istiod.xdsAddress;
    const { ip, name } = this.callerOf(c, i);
    if (kind === 'envoy') {
      const clas = await sidecarAssignments(address, { network: c.network, clusterId: c.clusterId, namespace: 'sample', ip, name, istioVersion: ISTIO_VERSION }, facts.services.map(clusterName));
      return { clas, rejected: new Map() };
    }
    const node = { id: `sidecar~${ip}~${name}.sample~sample.svc.cluster.local`, metadata: { NETWORK: c.network, GENERATOR: 'grpc', NAMESPACE: 'sample', CLUSTER_ID: c.clusterId, ISTIO_VERSION } };
    const targets = [...new Set(facts.services.map((s) => `xds:///${s.host}:${s.port}`))];
    const resources = await grpcGoDump({ binaries: this.peers, server: address, node, targets });
    const clas = new Map<string, DecodedClusterLoadAssignment>();
    for (const r of resources) if (r.assignment && r.status !== 'NACKED') clas.set(r.name, r.assignment);
    const nacked = resources.filter((r) => r.status === 'NACKED' && r.typeUrl.endsWith('ClusterLoadAssignment'));
    // grpc-go keeps no rejected resource: ask for it again as the same node over raw ADS.
    const sent = nacked.length > 0 ? await assignmentsOverAds(address, node, nacked.map((r) => r.name)) : new Map<string, DecodedClusterLoadAssignment>();
    return { clas, rejected: new Map(nacked.map((r) => [r.name, { error: r.error ?? 'NACKED', ...(sent.has(r.name) ? { sent: sent.get(r.name)! } : {}) }])) };
  }

  private viewOf(cla: DecodedClusterLoadAssignment | undefined, kind: ClientKind, facts: MeshFacts, meant: Parameters<typeof addressShares>[2] = {}): CallerView {
    const gatewayKeys = new Set([...facts.gateways.values()].flat().map((g) => g.key));
    const keys = new Set((cla?.endpoints ?? []).flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}`)));
    const shares = cla ? sharesBy(addressShares(cla, kind, meant), (key) => facts.networkOf(key) ?? `unknown address ${key}`) : new Map<string, number>();
    return {
      direct: [...keys].filter((x) => !gatewayKeys.has(x)).sort(),
      gateways: [...keys].filter((x) => gatewayKeys.has(x)).sort(),
      shares: Object.fromEntries([...shares].sort().map(([n, s]) => [n, Math.round(s * 1e6) / 1e6])),
    };
  }

  /** The address grpc-go called a duplicate, when it is a gateway listed in more than one locality of what was sent. */
  private duplicateGateway(rejection: { error: string; sent?: DecodedClusterLoadAssignment }, facts: MeshFacts): string | undefined {
    const address = /duplicate endpoint with the same address (\S+)/.exec(rejection.error)?.[1];
    if (!address || !rejection.sent || ![...facts.gateways.values()].flat().some((g) => g.key === address)) return undefined;
    const groups = rejection.sent.endpoints.filter((g) => g.lbEndpoints.some((e) => `${e.address}:${e.port}` === address));
    return groups.length > 1 ? address : undefined;
  }

  async compareOnce(facts: MeshFacts): Promise<Comparison> {
    const out: Comparison = { findings: [], accepted: [], compared: 0 };
    const same = (a: CallerView, b: CallerView) => JSON.stringify(a) === JSON.stringify(b);
    const networks = new Map<string, [MeshCluster, number]>();
    this.clusters.forEach((c, i) => networks.has(c.network) || networks.set(c.network, [c, i]));
    for (const [caller, i] of networks.values()) {
      for (const kind of KINDS) {
        const who = `${kind} caller on ${caller.network}`;
        let h: Held;
        let s: Held;
        try {
          [h, s] = await Promise.all([this.held('horizon', kind, caller, i, facts), this.held('istiod', kind, caller, i, facts)]);
        } catch (err) {
          out.findings.push({ where: who, problem: (err as Error).message });
          continue;
        }
        for (const [n, r] of h.rejected) out.findings.push({ where: who, problem: `grpc-go NACKed Horizon's ${n} (Horizon is wrong): ${r.error}` });
        for (const svc of facts.services) {
          const name = clusterName(svc);
          const where = `${who}, ${name}`;
          const rejected = s.rejected.get(name);
          // A proxyless client asks only for the clusters its routes lead to: compare what either holds.
          if (kind === 'proxyless' && !h.clas.has(name) && !s.clas.has(name) && !rejected) continue;
          out.compared++;
          const hv = this.viewOf(h.clas.get(name), kind, facts);
          const truth = expectedView(facts, svc, caller.network, false);
          const model = expectedView(facts, svc, caller.network, true);
          const differences = [...model.rules];
          if (!same(hv, truth.view)) out.findings.push({ where, problem: `Horizon is wrong: expected ${JSON.stringify(truth.view)}, got ${JSON.stringify(hv)}; Horizon sent ${describeCla(h.clas.get(name))}` });
          if (rejected) {
            // grpc-go refused istiod's assignment: accepted only for the gateway listed per locality, and
            // only if what istiod sent means what its rules say.
            if (this.duplicateGateway(rejected, facts) && same(this.viewOf(rejected.sent, kind, facts, { endpointWeightsInLocality: true }), model.view)) {
              out.accepted.push({ where, differences: [...differences, LISTED_DIFFERENCES.gatewayPerLocality] });
            } else {
              out.findings.push({ where, problem: `grpc-go NACKed istiod's assignment (${rejected.error}); istiod sent ${describeCla(rejected.sent)}` });
            }
            continue;
          }
          const iv = this.viewOf(s.clas.get(name), kind, facts);
          let istiodOk = same(iv, model.view);
          if (!istiodOk) {
            // Shares off only because the client does not do what istiod's weights mean: the gateway listed
            // per locality (Envoy keeps the first), or its weight given as an endpoint weight inside a shared
            // locality (proxyless gRPC ignores it).
            const meant = kind === 'envoy' ? { countDuplicates: true } : { endpointWeightsInLocality: true };
            if (same(this.viewOf(s.clas.get(name), kind, facts, meant), model.view)) {
              istiodOk = true;
              differences.push(kind === 'envoy' ? LISTED_DIFFERENCES.gatewayPerLocality : LISTED_DIFFERENCES.gatewayWeightInsideLocality);
            }
          }
          if (!istiodOk) {
            out.findings.push({ where, problem: `istiod differs from its listed rules (an istiod bug, or a difference not listed): expected ${JSON.stringify(model.view)}, got ${JSON.stringify(iv)}; istiod sent ${describeCla(s.clas.get(name))}` });
          }
          if (!same(hv, iv) && istiodOk && same(hv, truth.view)) {
            // Both sides are as expected and they differ: the listed rules that applied are the reasons.
            if (differences.length === 0) out.findings.push({ where, problem: `Horizon and istiod differ with no listed reason: Horizon ${JSON.stringify(hv)}, istiod ${JSON.stringify(iv)}` });
            else out.accepted.push({ where, differences });
          }
        }
      }
    }
    return out;
  }
}

/** One line per accepted difference, for the test's output. */
export function describeAccepted(c: Comparison): string {
  return c.accepted.map((a) => `${a.where} [${a.differences.map((d) => d.id).join(', ')}]`).join('; ') || 'none';
}
