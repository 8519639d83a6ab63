// The real kubectl (/usr/bin/kubectl, run asynchronously) against the demo clusters: the
// create-remote-secret flow, apply and re-apply, get, scale, annotate, delete. The same assertions run
// against the emulator and against real control planes (kwok provider): everything is read back with
// kubectl, so a divergence of the emulator from the real API server fails here.
import { strict as assert } from 'node:assert';
import { parse as parseYaml } from 'yaml';
import { realPodCIDR } from '../../src/clusters/kwokctl-config.js';
import { loadClusterSet } from '../../src/emulator/cluster-definition.js';
import { cidrContains, parseCidr, parseIPv4, type Cidr } from '../../src/emulator/ip-pool.js';
import { selectedProviders, type ClusterProvider, type ProvisionedClusters } from '../e2e/providers/index.js';
import { demoClusters } from '../support/demo-mesh.js';
import { KubectlEnv, waitFor } from './helpers.js';
import { provisionForSuite } from '../e2e/support/suite-clusters.js';

const helloworld = (replicas: number, extraLabel = ''): string => `apiVersion: v1
kind: Service
metadata:
  name: helloworld
  labels:
    app: helloworld
    service: helloworld${extraLabel ? `\n    ${extraLabel}` : ''}
spec:
  ports:
  - port: 5000
    name: http
  selector:
    app: helloworld
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: helloworld-v1
  labels:
    app: helloworld
    version: v1
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: helloworld
      version: v1
  template:
    metadata:
      labels:
        app: helloworld
        version: v1${extraLabel ? `\n        ${extraLabel}` : ''}
    spec:
      containers:
      - name: helloworld
        image: docker.io/istio/examples-helloworld-v1
        resources:
          requests:
            cpu: "100m"
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 5000
`;

for (const provider of selectedProviders()) kubectlSuite(provider);

function kubectlSuite(provider: ClusterProvider): void {
  describe(`real kubectl against ${provider.name} clusters`, function () {
    this.timeout(300_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv;
    /** cluster1's pod range on this provider (real control planes keep pods off loopback). */
    let podRange: Cidr;
    const json = async (args: string[]) => JSON.parse((await k.run([...args, '-o', 'json'])).stdout);
    const inPodRange = (ips: string[]) => ips.length > 0 && ips.every((ip) => cidrContains(podRange, parseIPv4(ip)!));
    const sliceAddresses = async (ns: string) =>
      ((await json(['--context', 'cluster1', 'get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=helloworld'])).items as Array<{ endpoints?: Array<{ addresses: string[] }> }>).flatMap((sl) =>
        (sl.endpoints ?? []).flatMap((e) => e.addresses),
      );
    const count = async (args: string[]) => ((await json(args)).items as unknown[]).length;

    before(async function () {
      const def = (await loadClusterSet(demoClusters)).find((d) => d.clusterID === 'cluster1')!;
      podRange = parseCidr(provider.name === 'kwok' ? realPodCIDR(def) : def.podCIDR) as Cidr;
      ({ clusters, k } = await provisionForSuite(this, provider));
    });
    after(async () => {
      await k?.cleanup();
      await clusters?.cleanup();
    });

    it('sees the demo clusters: pods, services, endpoint slices and the east-west gateway', async () => {
      const c1 = (await k.run(['--context', 'cluster1', 'get', 'pods,svc,endpointslices', '-n', 'sample', '-o', 'wide'])).stdout;
      assert.match(c1, /pod\/helloworld-v1-\w+-\w{5}\s+1\/1\s+Running/);
      assert.match(c1, /pod\/sleep-/);
      assert.match(c1, /service\/helloworld\s+ClusterIP\s+127\.11\./);
      assert.match(c1, /endpointslice\.discovery\.k8s\.io\/helloworld-\w{5}\s+IPv4\s+5000\s+\d+\.\d+\.\d+\.\d+/);
      assert.ok(inPodRange(await sliceAddresses('sample')), 'endpoint addresses in the pod range');
      const c2 = (await k.run(['--context', 'cluster2', 'get', 'pods', '-n', 'sample', '-l', 'version=v2', '-o', 'name'])).stdout;
      assert.match(c2, /pod\/helloworld-v2-/);
      const gw = JSON.parse((await k.run(['--context', 'cluster2', 'get', 'svc', 'istio-eastwestgateway', '-n', 'istio-system', '-o', 'json'])).stdout);
      assert.match(gw.status.loadBalancer.ingress[0].ip, /^127\.22\.0\./);
      assert.equal(gw.metadata.labels['topology.istio.io/network'], 'network2');
      const ns = JSON.parse((await k.run(['--context', 'cluster1', 'get', 'ns', 'istio-system', '-o', 'json'])).stdout);
      assert.equal(ns.metadata.labels['topology.istio.io/network'], 'network1');
    });

    it('runs the remote-secret flow: create namespace, create secret --from-file (protobuf), label, get -o yaml', async () => {
      const remote = (await k.run(['config', 'view', '--minify', '--flatten', '--context', 'cluster2'])).stdout;
      const file = await k.file('cluster2.kubeconfig', remote);
      await k.run(['--context', 'cluster1', 'create', 'namespace', 'istio-config']);
      const created = await k.run(['--context', 'cluster1', 'create', 'secret', 'generic', 'c2', `--from-file=cluster2=${file}`, '-n', 'istio-system']);
      assert.match(created.stdout, /secret\/c2 created/);
      await k.run(['--context', 'cluster1', 'label', 'secret', 'c2', 'istio/multiCluster=true', '-n', 'istio-system']);
      const got = parseYaml((await k.run(['--context', 'cluster1', 'get', 'secret', 'c2', '-n', 'istio-system', '-o', 'yaml'])).stdout);
      assert.equal(got.metadata.labels['istio/multiCluster'], 'true');
      assert.equal(Buffer.from(got.data.cluster2, 'base64').toString('utf8'), remote);
      assert.equal(got.type, 'Opaque');
      const ns = await json(['--context', 'cluster1', 'get', 'namespace', 'istio-config']);
      assert.equal(ns.status.phase, 'Active');
    });

    it('creates a configmap (protobuf body) and reads it back', async () => {
      await k.run(['--context', 'cluster1', 'create', 'configmap', 'mesh', '--from-literal=meshNetworks=networks: {}', '-n', 'istio-system']);
      const cm = JSON.parse((await k.run(['--context', 'cluster1', 'get', 'configmap', 'mesh', '-n', 'istio-system', '-o', 'json'])).stdout);
      assert.equal(cm.data.meshNetworks, 'networks: {}');
    });

    it('applies walkthrough manifests, re-applies a change, scales, annotates and deletes', async () => {
      const pods = (selector = '') => count(['--context', 'cluster1', 'get', 'pods', '-n', 'walk', ...(selector ? ['-l', selector] : [])]);
      await k.run(['--context', 'cluster1', 'create', 'namespace', 'walk']);
      const v1 = await k.file('helloworld.yaml', helloworld(1));
      const first = await k.run(['--context', 'cluster1', 'apply', '-f', v1, '-n', 'walk']);
      assert.match(first.stdout, /service\/helloworld created/);
      assert.match(first.stdout, /deployment\.apps\/helloworld-v1 created/);
      assert.equal(first.stderr.trim(), '');

      const v2 = await k.file('helloworld-v2.yaml', helloworld(3, 'tier: web'));
      const second = await k.run(['--context', 'cluster1', 'apply', '-f', v2, '-n', 'walk']);
      assert.match(second.stdout, /service\/helloworld configured/);
      assert.match(second.stdout, /deployment\.apps\/helloworld-v1 configured/);
      assert.equal(second.stderr.trim(), '');
      const third = await k.run(['--context', 'cluster1', 'apply', '-f', v2, '-n', 'walk']);
      assert.match(third.stdout, /deployment\.apps\/helloworld-v1 unchanged/);
      // The emulator makes pods at once; real controllers a moment later.
      await waitFor(async () => (await pods('tier=web')) === 3, 'three tier=web pods');
      assert.equal((await json(['--context', 'cluster1', 'get', 'service', 'helloworld', '-n', 'walk'])).metadata.labels.tier, 'web');
      await k.run(['--context', 'cluster1', 'rollout', 'status', 'deployment/helloworld-v1', '-n', 'walk', '--timeout=60s']);
      await waitFor(async () => (await sliceAddresses('walk')).length === 3, 'three endpoints');

      const got = (await k.run(['--context', 'cluster1', 'get', 'pods,svc,endpointslices', '-n', 'walk'])).stdout;
      assert.equal((got.match(/pod\/helloworld-v1-/g) ?? []).length, 3);
      assert.match(got, /service\/helloworld/);
      assert.match(got, /endpointslice\.discovery\.k8s\.io\/helloworld-\w{5}\s+IPv4\s+5000\s+(\d+\.\d+\.\d+\.\d+,?){3}\s/);
      assert.ok(inPodRange(await sliceAddresses('walk')), 'the three endpoints in the pod range');

      await k.run(['--context', 'cluster1', 'scale', 'deployment', 'helloworld-v1', '--replicas=1', '-n', 'walk']);
      await waitFor(async () => (await sliceAddresses('walk')).length === 1, 'one endpoint after scaling to 1');
      await k.run(['--context', 'cluster1', 'rollout', 'status', 'deployment/helloworld-v1', '-n', 'walk', '--timeout=30s']);

      await k.run(['--context', 'cluster1', 'annotate', 'service', 'helloworld', 'networking.istio.io/exportTo=*', '-n', 'walk']);
      assert.equal((await json(['--context', 'cluster1', 'get', 'service', 'helloworld', '-n', 'walk'])).metadata.annotations['networking.istio.io/exportTo'], '*');

      const del = await k.run(['--context', 'cluster1', 'delete', '-f', v2, '-n', 'walk']);
      assert.match(del.stdout, /deleted/);
      // Garbage collection removes the ReplicaSet's pods and the Service's slices (at once or soon).
      await waitFor(async () => (await pods()) === 0, 'no pods left');
      await waitFor(async () => (await count(['--context', 'cluster1', 'get', 'endpointslices', '-n', 'walk'])) === 0, 'no endpoint slices left');
      await k.run(['--context', 'cluster1', 'delete', 'namespace', 'walk']);
      const missing = await k.run(['--context', 'cluster1', 'get', 'namespace', 'walk'], { allowFail: true });
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /NotFound|not found/);
    });

    it('applies Istio resources (custom resources, merge patch on re-apply)', async () => {
      const dr = (subset: string): string => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: helloworld
  namespace: sample
spec:
  host: helloworld.sample.svc.cluster.local
  subsets:
  - name: ${subset}
    labels:
      version: ${subset}
`;
      const f1 = await k.file('dr1.yaml', dr('v1'));
      assert.match((await k.run(['--context', 'cluster1', 'apply', '-f', f1])).stdout, /created/);
      const f2 = await k.file('dr2.yaml', dr('v2'));
      assert.match((await k.run(['--context', 'cluster1', 'apply', '-f', f2])).stdout, /configured/);
      const got = await json(['--context', 'cluster1', 'get', 'destinationrules.v1beta1.networking.istio.io', 'helloworld', '-n', 'sample']);
      assert.equal(got.apiVersion, 'networking.istio.io/v1beta1');
      assert.deepEqual((got.spec as { subsets: Array<{ name: string }> }).subsets.map((s) => s.name), ['v2']);
      assert.equal(got.metadata.generation, 2);
    });
  });
}
