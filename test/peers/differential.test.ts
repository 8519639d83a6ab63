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
import { stringify } from 'yaml';
import type { KubectlEnv } from '../emulator/helpers.js';
import { selectedProviders, type ClusterProvider, type ClusterRef, type ProvisionedClusters } from '../e2e/providers/index.js';
import { provisionForSuite } from '../e2e/support/suite-clusters.js';
import { LISTED_DIFFERENCES } from './support/mesh-facts.js';
import { assertExplained, peersOrSkip } from './support/peers-suite.js';
import { SideBySide } from './support/side-by-side.js';

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

for (const provider of selectedProviders()) demoSuite(provider);

function demoSuite(provider: ClusterProvider): void {
  describe(`Horizon and istiod side by side (${provider.name} demo clusters)`, function () {
    this.timeout(600_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv | undefined;
    let both: SideBySide | undefined;

    const kubectl = (ref: ClusterRef, args: string[], input?: string) => k!.run(['--context', ref.context, ...args], input === undefined ? {} : { input });

    before(async function () {
      const peers = await peersOrSkip(this);
      let kubeconfigText: string;
      ({ clusters, k, kubeconfigText } = await provisionForSuite(this, provider));
      await kubectl(clusters.remote, ['apply', '-f', '-'], stringify(helloworldV3));
      await kubectl(clusters.remote, ['-n', 'sample', 'rollout', 'status', 'deployment/helloworld-v3', '--timeout=90s']);
      both = await SideBySide.start({ k, kubeconfigText, kubeconfigFile: clusters.kubeconfig, clusters: [clusters.primary, clusters.remote], namespaces: ['sample', 'istio-system'], peers });
    });

    after(async () => {
      await both?.stop();
      await k?.cleanup();
      await clusters?.cleanup();
    });

    it('callers on network1 and network2, proxyless and sidecar: the same pods, gateways and shares, or a listed difference', async () => {
      const c = await both!.compareUntilSettled();
      assertExplained('initial', c);
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
      const c = await both!.compareUntilSettled();
      assertExplained('v2 in two zones', c);
      // The demo's two nodes of cluster2 are in two zones: v2 on both must show istiod's gateway per locality.
      if (new Set(placed.filter((p) => p.startsWith('v2@'))).size === 2) {
        assert.ok(c.accepted.some((a) => a.differences.includes(LISTED_DIFFERENCES.gatewayPerLocality)), 'v2 in two zones showed no gateway-per-locality difference');
      }
    });
  });
}
