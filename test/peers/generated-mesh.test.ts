// Horizon and istiod side by side on a generated mesh larger than the demo: three clusters on two
// networks, network2 spread over two clusters that each have their own gateways (two in cluster2, one in
// cluster3: each remote endpoint goes through its own cluster's gateways), nodes in two zones per
// cluster, DestinationRule subsets (and a VirtualService, so proxyless callers ask for them too), a
// service that is not in every cluster and one whose pods do not take Istio mTLS. The same comparison
// as the demo's (support/side-by-side.ts), on every selected cluster provider.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startClusterDefinitions } from '../../src/emulator/cluster-set.js';
import type { ClusterDefinition } from '../../src/emulator/cluster-definition.js';
import type { KObject } from '../../src/emulator/k8s-object.js';
import { startRealClusters } from '../../src/clusters/cluster-set.js';
import type { RunningClusterSet } from '../../src/clusters/cluster-set.js';
import { KubectlEnv, skipWithoutKubectl } from '../emulator/helpers.js';
import { kwokUnavailable } from '../e2e/providers/kwok.js';
import { selectedProviders } from '../e2e/providers/index.js';
import { assertExplained, peersOrSkip } from './support/peers-suite.js';
import { SideBySide } from './support/side-by-side.js';

const NS = 'mesh';

interface Workload {
  service: string;
  port: number;
  version: string;
  replicas: number;
  mtls: boolean;
}

/** Per cluster: its network, the gateway Services it has, and its workloads. */
const LAYOUT: Array<{ id: string; network: string; gateways: number; workloads: Workload[] }> = [
  {
    id: 'cluster1',
    network: 'network1',
    gateways: 1,
    workloads: [
      { service: 'alpha', port: 8080, version: 'v1', replicas: 2, mtls: true },
      { service: 'gamma', port: 7070, version: 'v1', replicas: 1, mtls: false },
    ],
  },
  {
    id: 'cluster2',
    network: 'network2',
    gateways: 2,
    workloads: [
      { service: 'alpha', port: 8080, version: 'v2', replicas: 3, mtls: true },
      { service: 'beta', port: 9090, version: 'v1', replicas: 2, mtls: true },
    ],
  },
  {
    id: 'cluster3',
    network: 'network2',
    gateways: 1,
    workloads: [
      { service: 'alpha', port: 8080, version: 'v2', replicas: 1, mtls: true },
      { service: 'beta', port: 9090, version: 'v2', replicas: 2, mtls: true },
      { service: 'gamma', port: 7070, version: 'v2', replicas: 2, mtls: false },
    ],
  },
];

const SERVICES: ReadonlyArray<{ name: string; port: number }> = [
  { name: 'alpha', port: 8080 },
  { name: 'beta', port: 9090 },
  { name: 'gamma', port: 7070 },
];

function definition(c: (typeof LAYOUT)[number], n: number): ClusterDefinition {
  const objects: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system', labels: { 'topology.istio.io/network': c.network } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } } },
  ];
  for (let g = 0; g < c.gateways; g++) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `istio-eastwestgateway${g === 0 ? '' : `-${g + 1}`}`, namespace: 'istio-system', labels: { istio: `eastwestgateway-${g}`, 'topology.istio.io/network': c.network } },
      spec: { type: 'LoadBalancer', selector: { istio: `eastwestgateway-${g}` }, ports: [{ name: 'tls', port: 15443, targetPort: 15443 }] },
    });
  }
  // Every service in every cluster (a multi-cluster service, as Istio meshes declare them).
  for (const s of SERVICES) {
    objects.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: s.name, namespace: NS }, spec: { selector: { app: s.name }, ports: [{ name: 'http', port: s.port, targetPort: s.port }] } });
  }
  for (const w of c.workloads) {
    const labels = { app: w.service, version: w.version, ...(w.mtls ? { 'security.istio.io/tlsMode': 'istio' } : {}) };
    objects.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `${w.service}-${w.version}`, namespace: NS },
      spec: {
        replicas: w.replicas,
        selector: { matchLabels: { app: w.service, version: w.version } },
        template: {
          metadata: { labels },
          spec: {
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { app: w.service, version: w.version } } }],
            containers: [{ name: 'app', image: 'mesh/app:1', ports: [{ containerPort: w.port }] }],
          },
        },
      },
    });
  }
  if (c.id === 'cluster1') {
    // Subsets of alpha by version, and a route over them, in the config cluster.
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'alpha', namespace: NS },
      spec: { host: 'alpha', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    });
    objects.push({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'alpha', namespace: NS },
      spec: { hosts: ['alpha'], http: [{ route: [{ destination: { host: 'alpha', subset: 'v1' }, weight: 70 }, { destination: { host: 'alpha', subset: 'v2' }, weight: 30 }] }] },
    });
  }
  return {
    clusterID: c.id,
    network: c.network,
    podCIDR: `127.${30 + n}.0.0/16`,
    routablePodCIDR: `198.18.${30 + n}.0/24`,
    serviceCIDR: `127.${40 + n}.0.0/16`,
    loadBalancerPool: `127.${50 + n}.0.0/24`,
    nodes: ['a', 'b'].map((z, i) => ({
      name: `${c.id}-node-${z}`,
      internalIP: `127.${60 + n}.0.${i + 1}`,
      labels: { 'topology.kubernetes.io/region': `region-${c.id}`, 'topology.kubernetes.io/zone': `${c.id}-zone-${z}` },
    })),
    manifests: objects.map((object, i) => ({ source: `generated#${i}`, object })),
  };
}

for (const provider of selectedProviders().filter((p) => p.name === 'emulated' || p.name === 'kwok')) {
  describe(`Horizon and istiod side by side (${provider.name}: a generated mesh of 3 clusters, 2 networks)`, function () {
    this.timeout(600_000);
    let set: RunningClusterSet | undefined;
    let k: KubectlEnv | undefined;
    let both: SideBySide | undefined;
    let dir = '';

    before(async function () {
      const peers = await peersOrSkip(this);
      skipWithoutKubectl(this);
      if (provider.name === 'kwok') {
        const reason = await kwokUnavailable();
        if (reason) {
          console.log(`    skipped (kwok provider): ${reason}`);
          this.skip();
        }
      }
      const defs = LAYOUT.map(definition);
      dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-peers-mesh-'));
      set = provider.name === 'kwok' ? await startRealClusters(defs, { workDir: path.join(dir, 'clusters') }) : await startClusterDefinitions(defs);
      const kubeconfigText = set.kubeconfigYaml({ currentContext: 'cluster1' });
      const kubeconfigFile = path.join(dir, 'kubeconfig');
      await writeFile(kubeconfigFile, kubeconfigText, { mode: 0o600 });
      k = await KubectlEnv.create(kubeconfigText);
      const clusters = set.clusters.map((c) => ({ context: c.id, clusterId: c.id, network: c.network }));
      both = await SideBySide.start({ k, kubeconfigText, kubeconfigFile, clusters, namespaces: [NS, 'istio-system'], peers });
    });

    after(async () => {
      await both?.stop();
      await k?.cleanup();
      await set?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('every service and subset, callers on both networks: the same, or a listed difference', async () => {
      const c = await both!.compareUntilSettled();
      assertExplained('generated mesh', c);
      // Subsets were compared for both client kinds (the VirtualService leads proxyless callers to them).
      assert.ok(c.compared >= 2 * 2 * 5, `compared only ${c.compared} pairs`);
    });
  });
}
