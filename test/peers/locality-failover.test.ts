// Locality failover beside istiod: the same DestinationRules (applied once, read by both), callers on each
// network with a node locality and LABELS, Envoy-shaped (CDS wildcard then EDS) and proxyless-shaped
// (GENERATOR=grpc, EDS by name), over raw ADS. For every endpoint address, the priority each server sends
// (priorities compared as their order: each side's distinct priorities renumbered 0..N). Equal, or the
// difference is one Horizon chose on purpose (FAILOVER_DIFFERENCES, each with its reason, recognised by
// what it looks like); anything else fails.
import { strict as assert } from 'node:assert';
import { stringify } from 'yaml';
import { assignmentsOverAds } from '../../src/peers/ads-assignments.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import type { DecodedCluster } from '../../src/xds/resources/cluster.js';
import { CLUSTER_TYPE } from '../../src/xds/type-urls.js';
import type { NodeInput } from '../../src/xds/codec/requests.js';
import type { DecodedClusterLoadAssignment } from '../../src/xds/resources/index.js';
import type { KubectlEnv } from '../emulator/helpers.js';
import { selectedProviders, type ClusterProvider, type ProvisionedClusters } from '../e2e/providers/index.js';
import { provisionForSuite } from '../e2e/support/suite-clusters.js';
import { HELLO_CLA } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';
import { peersOrSkip } from './support/peers-suite.js';
import { describeCla, ISTIO_VERSION, SideBySide } from './support/side-by-side.js';

/** Differences in failover priorities Horizon chose on purpose. */
export const FAILOVER_DIFFERENCES = {
  gatewayWithoutLabels: {
    id: 'gateway ranked without labels (istio/istio#49500)',
    reason:
      "istiod ranks a remote network's gateway endpoint with the gateway's own labels, which are none, so a failoverPriority on any pod label puts every other network last whatever its pods carry; Horizon ranks the gateway with the labels and locality of the remote endpoints it stands for, as failoverPriority means",
  },
  gatewayPerLocality: {
    id: 'gateway listed once per locality (istio/istio#56355)',
    reason: "istiod lists a remote network's gateway once per locality of its endpoints (possibly at several priorities); Horizon lists each address once per assignment",
  },
} as const;

type Priorities = Record<string, number>;

/** address:port -> its priority, renumbered densely (the order is what a client acts on); an address listed twice gets `-1`. */
function priorities(cla: DecodedClusterLoadAssignment | undefined): Priorities {
  const raw = new Map<string, number[]>();
  for (const g of cla?.endpoints ?? []) for (const e of g.lbEndpoints) raw.set(`${e.address}:${e.port}`, [...(raw.get(`${e.address}:${e.port}`) ?? []), g.priority]);
  const levels = [...new Set([...raw.values()].flat())].sort((a, b) => a - b);
  const out: Priorities = {};
  for (const [k, ps] of [...raw].sort()) out[k] = ps.length > 1 ? -1 : levels.indexOf(ps[0]!);
  return out;
}

interface Caller {
  what: string;
  network: string;
  clusterId: string;
  locality: { region: string; zone: string };
  labels: Record<string, string>;
}

for (const provider of selectedProviders()) failoverBesideIstiod(provider);

function failoverBesideIstiod(provider: ClusterProvider): void {
  describe(`locality failover beside istiod (${provider.name} demo clusters)`, function () {
    this.timeout(600_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv | undefined;
    let both: SideBySide | undefined;
    const seen = new Set<string>();

    before(async function () {
      const peers = await peersOrSkip(this);
      let kubeconfigText: string;
      ({ clusters, k, kubeconfigText } = await provisionForSuite(this, provider));
      both = await SideBySide.start({ k, kubeconfigText, kubeconfigFile: clusters.kubeconfig, clusters: [clusters.primary, clusters.remote], namespaces: ['sample', 'istio-system'], peers });
    });
    after(async () => {
      await both?.stop();
      await k?.cleanup();
      await clusters?.cleanup();
      if (seen.size > 0) console.log(`      failover differences seen: ${[...seen].join('; ')}`);
    });

    const callers = (): Caller[] => [
      { what: 'network1 caller in region1/zone-a', network: clusters!.primary.network, clusterId: clusters!.primary.clusterId, locality: { region: 'region1', zone: 'region1-zone-a' }, labels: { app: 'helloworld', version: 'v1' } },
      { what: 'network2 caller in region2/zone-a', network: clusters!.remote.network, clusterId: clusters!.remote.clusterId, locality: { region: 'region2', zone: 'region2-zone-a' }, labels: { app: 'helloworld', version: 'v2' } },
    ];

    const nodeOf = (c: Caller, kind: 'envoy' | 'proxyless', i: number): NodeInput => {
      const ip = `203.0.113.${10 + i}`;
      const name = `caller-${c.network}`;
      const metadata = { NETWORK: c.network, CLUSTER_ID: c.clusterId, NAMESPACE: 'sample', ISTIO_VERSION, LABELS: c.labels, ...(kind === 'proxyless' ? { GENERATOR: 'grpc' } : { INSTANCE_IPS: ip }) };
      return { id: `sidecar~${ip}~${name}.sample~sample.svc.cluster.local`, cluster: `${name}.sample`, metadata, locality: c.locality, ...(kind === 'envoy' ? { userAgentName: 'envoy' } : {}) };
    };

    /** One comparison of every caller and client kind; the findings that no listed difference explains. */
    async function compare(scenario: string, explain: (h: Priorities, s: Priorities, istiodCla: DecodedClusterLoadAssignment | undefined) => string[] | undefined): Promise<{ findings: string[]; lines: string[]; istiodFlat: boolean }> {
      const findings: string[] = [];
      const lines: string[] = [];
      let istiodFlat = false;
      const list = callers();
      for (const [i, c] of list.entries()) {
        for (const kind of ['envoy', 'proxyless'] as const) {
          const node = nodeOf(c, kind, i);
          const ask = (address: string) => assignmentsOverAds(address, node, [HELLO_CLA], { viaCds: kind === 'envoy' });
          const [hm, sm] = await Promise.all([ask(both!.horizon.xds.address), ask(both!.istiod.xdsAddress)]);
          const h = priorities(hm.get(HELLO_CLA));
          const s = priorities(sm.get(HELLO_CLA));
          const where = `${scenario}, ${kind} ${c.what}`;
          if (Object.values(s).every((p) => p === 0)) istiodFlat = true;
          lines.push(`${where}: Horizon ${JSON.stringify(h)} istiod ${JSON.stringify(s)}`);
          if (JSON.stringify(h) === JSON.stringify(s)) continue;
          const reasons = explain(h, s, sm.get(HELLO_CLA));
          if (reasons && reasons.length > 0) {
            for (const r of reasons) seen.add(r);
            lines.push(`  accepted: ${reasons.join('; ')}`);
          } else findings.push(`${where}: Horizon ${describeCla(hm.get(HELLO_CLA))} / istiod ${describeCla(sm.get(HELLO_CLA))}`);
        }
      }
      return { findings, lines, istiodFlat };
    }

    /** Applies the rule, then compares until nothing is unexplained or 60 s passed (istiod and Horizon converge at their own pace). */
    async function scenario(name: string, trafficPolicy: Record<string, unknown>, explain: Parameters<typeof compare>[1]): Promise<void> {
      // From no rule (both servers seen sending one priority), so that what istiod sends next is surely this rule's.
      await k!.run(['--context', clusters!.primary.context, '-n', 'sample', 'delete', 'destinationrule', 'helloworld', '--ignore-not-found']);
      const [c0] = callers();
      const flat = async (address: string) => Object.values(priorities((await assignmentsOverAds(address, nodeOf(c0!, 'envoy', 0), [HELLO_CLA], { viaCds: true })).get(HELLO_CLA))).every((p) => p === 0);
      await waitFor(async () => (await flat(both!.horizon.xds.address)) && (await flat(both!.istiod.xdsAddress)), 'both servers without the previous rule', { timeoutMs: 60_000, intervalMs: 1000 });
      const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'helloworld', namespace: 'sample' }, spec: { host: 'helloworld.sample.svc.cluster.local', trafficPolicy } };
      await k!.run(['--context', clusters!.primary.context, 'apply', '-f', '-'], { input: stringify(dr) });
      const deadline = Date.now() + 60_000;
      let last: Awaited<ReturnType<typeof compare>>;
      for (;;) {
        last = await compare(name, explain);
        // istiod must have moved off one flat priority (every rule here makes it set priorities for every caller).
        if ((last.findings.length === 0 && !last.istiodFlat) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 2_000));
      }
      for (const l of last.lines) console.log(`      ${l}`);
      assert.deepEqual(last.findings, [], `${name}: unexplained differences`);
    }

    const gateways = () => new Set([...both!.horizon.mesh.gateways().values()].flat().map((g) => `${g.address}:${g.port}`));
    /** Only gateways differ, and istiod puts each later than Horizon: #49500. */
    const gatewayRankedLater = (h: Priorities, s: Priorities): string[] | undefined => {
      const gw = gateways();
      const differing = Object.keys({ ...h, ...s }).filter((a) => h[a] !== s[a]);
      const nonGateway = differing.filter((a) => !gw.has(a));
      // A pod's dense priority may shift only because the gateway moved (the levels are renumbered).
      const podsKeepOrder = JSON.stringify(Object.keys(h).filter((a) => !gw.has(a)).sort((a, b) => h[a]! - h[b]!)) === JSON.stringify(Object.keys(s).filter((a) => !gw.has(a)).sort((a, b) => s[a]! - s[b]!));
      if (!podsKeepOrder || nonGateway.some((a) => !(a in h) || !(a in s))) return undefined;
      const later = differing.filter((a) => gw.has(a)).every((a) => (s[a] ?? -2) > (h[a] ?? -2) || s[a] === -1);
      return later ? [FAILOVER_DIFFERENCES.gatewayWithoutLabels.id] : undefined;
    };
    const perLocality = (_h: Priorities, s: Priorities): string[] | undefined => (Object.values(s).includes(-1) ? [FAILOVER_DIFFERENCES.gatewayPerLocality.id] : undefined);
    const either = (...fs: Parameters<typeof compare>[1][]): Parameters<typeof compare>[1] => (h, s, cla) => {
      for (const f of fs) {
        const r = f(h, s, cla);
        if (r) return r;
      }
      return undefined;
    };

    const OUTLIER = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '30s' };

    it('outlierDetection alone (the mesh default: region, zone, subzone): the same priorities', async () => {
      await scenario('outlierDetection only', { outlierDetection: OUTLIER }, perLocality);
    });

    it('failoverPriority [topology.istio.io/network]: the same priorities', async () => {
      await scenario('failoverPriority network', { outlierDetection: OUTLIER, loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } } }, perLocality);
    });

    it('CDS for Envoy: outlier detection, panic threshold and locality weighting as istiod sends them', async () => {
      const od = { consecutive5xxErrors: 3, consecutiveGatewayErrors: 2, interval: '2s', baseEjectionTime: '45s', maxEjectionPercent: 50, minHealthPercent: 30 };
      const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'helloworld', namespace: 'sample' }, spec: { host: 'helloworld.sample.svc.cluster.local', trafficPolicy: { outlierDetection: od, loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } } } } };
      await k!.run(['--context', clusters!.primary.context, 'apply', '-f', '-'], { input: stringify(dr) });
      const [c0] = callers();
      const cluster = async (address: string): Promise<DecodedCluster | undefined> => {
        const client = new AdsClient({ address, node: nodeOf(c0!, 'envoy', 0) });
        try {
          client.subscribe(CLUSTER_TYPE);
          await client.nextResponse((r) => r.typeUrl === CLUSTER_TYPE, 20_000);
          const r = client.resources(CLUSTER_TYPE).get(HELLO_CLA);
          return r?.decoded?.typeUrl === CLUSTER_TYPE ? (r.decoded.value as DecodedCluster) : undefined;
        } finally {
          client.close();
        }
      };
      const shape = (c: DecodedCluster | undefined) => ({ outlierDetection: c?.outlierDetection, healthyPanicThreshold: c?.healthyPanicThreshold, localityWeighted: c?.localityWeighted });
      const both2 = await waitFor(
        async () => {
          const [h, i] = await Promise.all([cluster(both!.horizon.xds.address), cluster(both!.istiod.xdsAddress)]);
          return i?.outlierDetection?.consecutive5xx === 3 && h?.outlierDetection?.consecutive5xx === 3 ? { h, i } : undefined;
        },
        'both servers sending the rule\'s outlier detection',
        { timeoutMs: 60_000, intervalMs: 1000 },
      );
      console.log(`      Horizon ${JSON.stringify(shape(both2.h))}\n      istiod  ${JSON.stringify(shape(both2.i))}`);
      assert.deepEqual(shape(both2.h), shape(both2.i));
    });

    it('failoverPriority on a pod label [app]: the gateway takes its endpoints\' rank in Horizon, last in istiod (#49500)', async () => {
      await scenario('failoverPriority app', { outlierDetection: OUTLIER, loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['app'] } } }, either(perLocality, gatewayRankedLater));
      assert.ok(seen.has(FAILOVER_DIFFERENCES.gatewayWithoutLabels.id), 'the pod-label rule showed no #49500 difference: the test proved less than it says');
    });
  });
}
