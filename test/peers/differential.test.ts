// Horizon and istiod (pilot-discovery, built by scripts/peer-binaries.sh) side by side on the same demo
// clusters: cluster2 registered with the same remote Secret, networks from the same namespace labels,
// gateways from the same Services, Istio's own CRDs. Callers on network1 and network2, proxyless
// (grpc-go's real xDS client, GENERATOR=grpc) and sidecar-shaped (Envoy's node, CDS wildcard then EDS),
// ask both for every service of the demo. For each, the pods sent as they are, the gateways and each
// network's share of the calls (as that client kind balances) must be the same, or differ only by a
// difference Horizon chose on purpose (LISTED_DIFFERENCES, each with its reason). Anything else fails,
// naming the side that is wrong: Horizon against what the clusters hold, istiod against its own rules.
//
// The demo is extended with what makes the listed differences show: helloworld-v3 in cluster2 on
// network3, which has no gateway, and sleep (cluster1) whose pod is not mTLS-capable; later v2 scales
// to two pods in two zones (istiod's gateway once per locality, istio/istio#56355).
import { strict as assert } from 'node:assert';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { addressShares, sharesBy, type ClientKind } from '../../src/peers/balancing.js';
import { grpcGoDump } from '../../src/peers/grpc-go-client.js';
import { applyIstioCrds, startIstiod, type Istiod } from '../../src/peers/istiod.js';
import { findPeerBinaries, type PeerBinaries } from '../../src/peers/peer-binaries.js';
import { assignmentsOverAds, sidecarAssignments } from '../../src/peers/ads-assignments.js';
import type { DecodedClusterLoadAssignment } from '../../src/xds/resources/index.js';
import type { KubectlEnv } from '../emulator/helpers.js';
import { selectedProviders, type ClusterProvider, type ClusterRef, type ProvisionedClusters } from '../e2e/providers/index.js';
import { provisionForSuite } from '../e2e/support/suite-clusters.js';
import { expectedView, LISTED_DIFFERENCES, readMeshFacts, type CallerView, type Difference, type FactService, type MeshFacts } from './support/mesh-facts.js';

/** Set by .ci/run: there the peers must run, so a missing build fails instead of skipping. */
const peersRequired = process.env.HORIZON_REQUIRE_PEERS === '1';
const ISTIO_VERSION = '1.31.0';
const NAMESPACES = ['sample', 'istio-system'];
const KINDS: readonly ClientKind[] = ['proxyless', 'envoy'];
const SETTLE_MS = 90_000;

/** A pod of helloworld on a network that has no east-west gateway (pod label network3). */
const helloworldV3 = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'helloworld-v3', namespace: 'sample', labels: { app: 'helloworld', version: 'v3' } },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'helloworld', version: 'v3' } },
    template: {
      metadata: { labels: { app: 'helloworld', version: 'v3', 'topology.istio.io/network': 'network3', 'security.istio.io/tlsMode': 'istio' } },
      spec: { containers: [{ name: 'helloworld', image: 'docker.io/istio/examples-helloworld-v2:1.0', ports: [{ containerPort: 5000 }] }] },
    },
  },
};

/** v2 as two pods in the two zones of cluster2 (the scheduler must spread them; the emulator does anyway). */
const spreadV2 = {
  spec: {
    replicas: 2,
    template: {
      spec: {
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'helloworld', version: 'v2' } } },
        ],
      },
    },
  },
};

const clusterName = (s: FactService) => `outbound|${s.port}||${s.host}`;

interface Finding {
  where: string;
  problem: string;
}

interface Comparison {
  findings: Finding[];
  /** Differences seen and accepted: where -> the listed differences that explain it. */
  accepted: Array<{ where: string; differences: Difference[] }>;
  /** How many (caller, service) pairs were compared. */
  compared: number;
}

/** `locality{weight}: address=weight ...` per group: enough to see why shares come out as they do. */
function describeCla(cla: DecodedClusterLoadAssignment | undefined): string {
  if (!cla) return 'no assignment';
  return cla.endpoints
    .map((g) => `[p${g.priority} ${g.locality.region}/${g.locality.zone}${g.locality.subzone ? `/${g.locality.subzone}` : ''}{${g.loadBalancingWeight ?? '-'}}: ${g.lbEndpoints.map((e) => `${e.address}:${e.port}=${e.loadBalancingWeight ?? '-'}${e.healthStatus === 'HEALTHY' || e.healthStatus === 'UNKNOWN' ? '' : ` ${e.healthStatus}`}`).join(' ')}]`)
    .join(' ');
}

for (const provider of selectedProviders()) differentialSuite(provider);

function differentialSuite(provider: ClusterProvider): void {
  describe(`Horizon and istiod side by side (${provider.name} demo clusters)`, function () {
    this.timeout(600_000);
    let peers: PeerBinaries | undefined;
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv | undefined;
    let horizon: Horizon | undefined;
    let istiod: Istiod | undefined;
    let workDir = '';
    const seen = new Set<string>();

    const kubectl = (ref: ClusterRef, args: string[], input?: string) => k!.run(['--context', ref.context, ...args], input === undefined ? {} : { input });
    const minified = async (ref: ClusterRef) => (await k!.run(['config', 'view', '--minify', '--flatten', '--context', ref.context])).stdout;

    before(async function () {
      const found = await findPeerBinaries();
      if ('missing' in found) {
        if (peersRequired) throw new Error(`HORIZON_REQUIRE_PEERS=1 but the peers are not built: ${found.missing}`);
        console.log(`    skipped: ${found.missing} (HORIZON_REQUIRE_PEERS=1 makes this a failure)`);
        this.skip();
      }
      peers = found;
      let kubeconfigText: string;
      ({ clusters, k, kubeconfigText } = await provisionForSuite(this, provider));
      const { primary, remote } = clusters;
      for (const ref of [primary, remote]) await applyIstioCrds(peers, clusters.kubeconfig, ref.context);
      await kubectl(remote, ['apply', '-f', '-'], stringify(helloworldV3));
      await kubectl(remote, ['-n', 'sample', 'rollout', 'status', 'deployment/helloworld-v3', '--timeout=90s']);
      // One remote Secret in the primary, read by both: the Istio way (kubectl create + label).
      const file = await k.file('remote-kubeconfig', await minified(remote));
      await kubectl(primary, ['-n', 'istio-system', 'create', 'secret', 'generic', 'cluster2-secret', `--from-file=${remote.clusterId}=${file}`]);
      await kubectl(primary, ['-n', 'istio-system', 'label', 'secret', 'cluster2-secret', 'istio/multiCluster=true']);

      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(kubeconfigText);
      horizon = await startHorizon({ kubeConfig, contexts: [primary.context], clusterId: primary.clusterId, xdsAddress: '127.0.0.1:0' });
      await horizon.whenReady();
      workDir = await mkdtemp(path.join(os.tmpdir(), 'horizon-peers-'));
      const started = Date.now();
      istiod = await startIstiod({ binaries: peers, kubeconfigYaml: await minified(primary), clusterId: primary.clusterId, workDir: path.join(workDir, 'istiod') });
      console.log(`      istiod ${ISTIO_VERSION} ready in ${((Date.now() - started) / 1000).toFixed(1)} s (xDS ${istiod.xdsAddress})`);
    });

    after(async () => {
      await istiod?.stop();
      await horizon?.close();
      await k?.cleanup();
      await clusters?.cleanup();
      if (workDir) await rm(workDir, { recursive: true, force: true });
      if (seen.size > 0) console.log(`      listed differences seen: ${[...seen].join('; ')}`);
    });

    /** What each side sends a caller on each network, per service, compared until settled. */
    async function compareUntilSettled(phase: string): Promise<Comparison> {
      const deadline = Date.now() + SETTLE_MS;
      let last: Comparison | undefined;
      for (;;) {
        const facts = await readMeshFacts(k!, [clusters!.primary, clusters!.remote], NAMESPACES);
        last = await compareOnce(facts);
        if (last.findings.length === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 2_000));
      }
      for (const a of last.accepted) for (const d of a.differences) seen.add(d.id);
      const lines = last.findings.map((f) => `  ${f.where}: ${f.problem}`);
      assert.equal(last.findings.length, 0, `${phase}: ${last.findings.length} unexplained difference(s) after ${SETTLE_MS / 1000} s:\n${lines.join('\n')}`);
      console.log(`      ${phase}: ${last.compared} (caller, service) pairs; accepted differences: ${last.accepted.map((a) => `${a.where} [${a.differences.map((d) => d.id).join(', ')}]`).join('; ') || 'none'}`);
      return last;
    }

    /** What a caller holds per cluster name; `rejected`: assignments grpc-go NACKed, with its reason and what was sent. */
    async function assignments(server: 'horizon' | 'istiod', kind: ClientKind, ref: ClusterRef, facts: MeshFacts): Promise<{ clas: Map<string, DecodedClusterLoadAssignment>; rejected: Map<string, { error: string; sent?: DecodedClusterLoadAssignment }> }> {
      const address = server === 'horizon' ? horizon!.xds.address : istiod!.xdsAddress;
      const ip = ref.network === clusters!.primary.network ? '203.0.113.1' : '203.0.113.2';
      const name = `caller-${ref.network}`;
      if (kind === 'envoy') {
        const clas = await sidecarAssignments(address, { network: ref.network, clusterId: ref.clusterId, namespace: 'sample', ip, name, istioVersion: ISTIO_VERSION }, facts.services.map(clusterName));
        return { clas, rejected: new Map() };
      }
      const node = { id: `sidecar~${ip}~${name}.sample~sample.svc.cluster.local`, metadata: { NETWORK: ref.network, GENERATOR: 'grpc', NAMESPACE: 'sample', CLUSTER_ID: ref.clusterId, ISTIO_VERSION } };
      const resources = await grpcGoDump({ binaries: peers!, server: address, node, targets: facts.services.map((s) => `xds:///${s.host}:${s.port}`) });
      const clas = new Map<string, DecodedClusterLoadAssignment>();
      for (const r of resources) if (r.assignment && r.status !== 'NACKED') clas.set(r.name, r.assignment);
      const nacked = resources.filter((r) => r.status === 'NACKED' && r.typeUrl.endsWith('ClusterLoadAssignment'));
      // What was sent, asked again as the same node over raw ADS (grpc-go keeps no rejected resource).
      const sent = nacked.length > 0 ? await assignmentsOverAds(address, node, nacked.map((r) => r.name)) : new Map<string, DecodedClusterLoadAssignment>();
      const rejected = new Map(nacked.map((r) => [r.name, { error: r.error ?? 'NACKED', ...(sent.has(r.name) ? { sent: sent.get(r.name)! } : {}) }]));
      return { clas, rejected };
    }

    /** The address grpc-go called a duplicate, when it is a gateway listed in more than one locality of what was sent. */
    function duplicateGateway(rejection: { error: string; sent?: DecodedClusterLoadAssignment }, facts: MeshFacts): string | undefined {
      const address = /duplicate endpoint with the same address (\S+)/.exec(rejection.error)?.[1];
      if (!address || !rejection.sent || ![...facts.gateways.values()].flat().includes(address)) return undefined;
      const groups = rejection.sent.endpoints.filter((g) => g.lbEndpoints.some((e) => `${e.address}:${e.port}` === address));
      return groups.length > 1 ? address : undefined;
    }

    function viewOf(cla: DecodedClusterLoadAssignment | undefined, kind: ClientKind, facts: MeshFacts, meant: Parameters<typeof addressShares>[2] = {}): CallerView {
      const gatewayKeys = new Set([...facts.gateways.values()].flat());
      const keys = new Set((cla?.endpoints ?? []).flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}`)));
      const shares = cla ? sharesBy(addressShares(cla, kind, meant), (key) => facts.networkOf(key) ?? `unknown address ${key}`) : new Map<string, number>();
      return {
        direct: [...keys].filter((x) => !gatewayKeys.has(x)).sort(),
        gateways: [...keys].filter((x) => gatewayKeys.has(x)).sort(),
        shares: Object.fromEntries([...shares].sort().map(([n, s]) => [n, Math.round(s * 1e6) / 1e6])),
      };
    }

    async function compareOnce(facts: MeshFacts): Promise<Comparison> {
      const out: Comparison = { findings: [], accepted: [], compared: 0 };
      const same = (a: CallerView, b: CallerView) => JSON.stringify(a) === JSON.stringify(b);
      for (const ref of [clusters!.primary, clusters!.remote]) {
        for (const kind of KINDS) {
          const caller = `${kind} caller on ${ref.network}`;
          let h: Awaited<ReturnType<typeof assignments>>;
          let i: Awaited<ReturnType<typeof assignments>>;
          try {
            [h, i] = await Promise.all([assignments('horizon', kind, ref, facts), assignments('istiod', kind, ref, facts)]);
          } catch (err) {
            out.findings.push({ where: caller, problem: (err as Error).message });
            continue;
          }
          for (const [n, r] of h.rejected) out.findings.push({ where: caller, problem: `grpc-go NACKed Horizon's ${n} (Horizon is wrong): ${r.error}` });
          for (const svc of facts.services) {
            const where = `${caller}, ${svc.host}:${svc.port}`;
            out.compared++;
            const name = clusterName(svc);
            const hv = viewOf(h.clas.get(name), kind, facts);
            const truth = expectedView(facts, svc, ref.network, false);
            const model = expectedView(facts, svc, ref.network, true);
            const differences = [...model.rules];
            if (!same(hv, truth.view)) out.findings.push({ where, problem: `Horizon is wrong: expected ${JSON.stringify(truth.view)}, got ${JSON.stringify(hv)}; Horizon sent ${describeCla(h.clas.get(name))}` });
            const rejected = i.rejected.get(name);
            if (rejected) {
              // grpc-go refused istiod's assignment: accepted only for the gateway listed per locality, and only
              // if what istiod sent means what its rules say.
              const dup = duplicateGateway(rejected, facts);
              if (dup && same(viewOf(rejected.sent, kind, facts, { endpointWeightsInLocality: true }), model.view)) {
                out.accepted.push({ where, differences: [...differences, LISTED_DIFFERENCES.gatewayPerLocality] });
              } else {
                out.findings.push({ where, problem: `grpc-go NACKed istiod's assignment (${rejected.error}); istiod sent ${describeCla(rejected.sent)}` });
              }
              continue;
            }
            const iv = viewOf(i.clas.get(name), kind, facts);
            let istiodOk = same(iv, model.view);
            if (!istiodOk) {
              // Shares that are off only because the client does not do what istiod's weights mean: the
              // gateway listed per locality (Envoy keeps the first), or its weight given as an endpoint
              // weight inside a shared locality (proxyless gRPC ignores it).
              const meant = kind === 'envoy' ? { countDuplicates: true } : { endpointWeightsInLocality: true };
              if (same(viewOf(i.clas.get(name), kind, facts, meant), model.view)) {
                istiodOk = true;
                differences.push(kind === 'envoy' ? LISTED_DIFFERENCES.gatewayPerLocality : LISTED_DIFFERENCES.gatewayWeightInsideLocality);
              }
            }
            if (!istiodOk) {
              out.findings.push({ where, problem: `istiod differs from its listed rules (an istiod bug, or a difference not listed): expected ${JSON.stringify(model.view)}, got ${JSON.stringify(iv)}; istiod sent ${describeCla(i.clas.get(name))}` });
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

    it('callers on network1 and network2, proxyless and sidecar: the same pods, gateways and shares, or a listed difference', async () => {
      const c = await compareUntilSettled('initial');
      const ids = new Set(c.accepted.flatMap((a) => a.differences.map((d) => d.id)));
      // The extensions of the demo are there to show these; if they did not, the test proved less than it says.
      assert.ok(ids.has(LISTED_DIFFERENCES.rawIpsWithoutGateway.id), 'network3 (no gateway) showed no difference');
      assert.ok(ids.has(LISTED_DIFFERENCES.mtlsOnlyAcrossNetworks.id), 'sleep (no mTLS) showed no difference');
    });

    it('after helloworld-v2 spreads over two zones: the same, or a listed difference', async () => {
      await kubectl(clusters!.remote, ['-n', 'sample', 'patch', 'deployment', 'helloworld-v2', '--type', 'merge', '-p', JSON.stringify(spreadV2)]);
      await kubectl(clusters!.remote, ['-n', 'sample', 'rollout', 'status', 'deployment/helloworld-v2', '--timeout=90s']);
      const zones = (await kubectl(clusters!.remote, ['-n', 'sample', 'get', 'pods', '-l', 'app=helloworld', '-o', 'jsonpath={range .items[*]}{.metadata.labels.version}@{.spec.nodeName}{"\\n"}{end}'])).stdout;
      const placed = zones.trim().split('\n').sort();
      console.log(`      helloworld pods in cluster2 (version@node): ${placed.join(', ')}`);
      const c = await compareUntilSettled('v2 in two zones');
      // The demo's two nodes of cluster2 are in two zones: v2 on both must show istiod's gateway per locality.
      if (new Set(placed.filter((p) => p.startsWith('v2@'))).size === 2) {
        assert.ok(c.accepted.some((a) => a.differences.includes(LISTED_DIFFERENCES.gatewayPerLocality)), 'v2 in two zones showed no gateway-per-locality difference');
      }
    });
  });
}
