// Proxyless gRPC for real: @grpc/grpc-js-xds clients (each in its own process, with its own
// bootstrap and NETWORK) call helloworld through xds:/// targets; Horizon serves LDS/RDS/CDS/EDS from
// the demo clusters of every provider (emulated, and real control planes with kwok); helloworld
// backends listen on the pod addresses and each network's east-west gateway forwards what crosses
// networks. Every change goes through kubectl, as a user makes it. The walkthrough's experiment, and
// the shares.
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startDemoDataplane, type DemoDataplane } from '../../src/demo/demo-dataplane.js';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { KubectlEnv } from '../emulator/helpers.js';
import { runGrpcXdsClient, type GrpcCallResult } from '../support/grpc-xds-client.js';
import { HELLO_HOST } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';
import { selectedProviders, type ClusterProvider, type ProvisionedClusters } from './providers/index.js';
import { provisionForSuite } from './support/suite-clusters.js';

const TARGET = `xds:///${HELLO_HOST}:5000`;
const SECRET = 'cluster2-secret';

function versions(results: readonly GrpcCallResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.ok ? (/Hello version: (v\d+)/.exec(r.reply?.message ?? '')?.[1] ?? 'other') : `error ${r.code}: ${r.details}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

function forwardedBy(dp: DemoDataplane, network: string): number {
  const stats = dp.gateways.get(network)!.stats();
  return Object.values(stats.authorities).reduce((s, a) => s + a.forwarded, 0);
}

for (const provider of selectedProviders()) proxylessSuite(provider);

function proxylessSuite(provider: ClusterProvider): void {
  describe(`proxyless gRPC across networks (${provider.name} demo clusters)`, function () {
    this.timeout(180_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv | undefined;
    let horizon: Horizon | undefined;
    let dp: DemoDataplane | undefined;
    let remoteKubeconfig = '';

    const call = (network: string, calls: number) =>
      runGrpcXdsClient({ server: horizon!.xds.address, target: TARGET, calls, metadata: { NETWORK: network, GENERATOR: 'grpc' }, nodeId: `client-${network}` });
    const kubectl = (context: 'primary' | 'remote', args: string[], input?: string) =>
      k!.run(['--context', clusters![context].context, ...args], input === undefined ? {} : { input });
    const scaleV2 = (replicas: number) => kubectl('remote', ['-n', 'sample', 'scale', 'deployment', 'helloworld-v2', `--replicas=${replicas}`]);
    const readyPods = async (context: 'primary' | 'remote', version: string) => {
      const out = (await kubectl(context, ['-n', 'sample', 'get', 'pods', '-l', `app=helloworld,version=${version}`, '-o', 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'])).stdout;
      return out.split('\n').filter((l) => l === 'True').length;
    };
    const backends = (id: string) => dp!.backends.get(id)!.fleet.backends().length;
    const registerRemote = async () => {
      const file = await k!.file('remote-kubeconfig', remoteKubeconfig);
      await kubectl('primary', ['-n', 'istio-system', 'create', 'secret', 'generic', SECRET, `--from-file=${clusters!.remote.clusterId}=${file}`]);
      await kubectl('primary', ['-n', 'istio-system', 'label', 'secret', SECRET, 'istio/multiCluster=true']);
      await waitFor(() => horizon!.registry.get(clusters!.remote.clusterId)?.source.status === 'synced', 'cluster2 synced', { timeoutMs: 60_000 });
    };

    before(async function () {
      let kubeconfigText: string;
      ({ clusters, k, kubeconfigText } = await provisionForSuite(this, provider));
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(kubeconfigText);
      horizon = await startHorizon({ kubeConfig, contexts: [clusters.primary.context], clusterId: clusters.primary.clusterId, xdsAddress: '127.0.0.1:0' });
      await horizon.whenReady();
      remoteKubeconfig = (await k.run(['config', 'view', '--minify', '--flatten', '--context', clusters.remote.context])).stdout;
      await registerRemote();
      const own = async (ref: { context: string; clusterId: string; network: string }) => {
        const yaml = (await k!.run(['config', 'view', '--minify', '--flatten', '--context', ref.context])).stdout;
        return { id: ref.clusterId, network: ref.network, kubeconfigYaml: () => yaml };
      };
      dp = await startDemoDataplane({ clusters: [await own(clusters.primary), await own(clusters.remote)], xdsAddress: horizon.xds.address });
      await waitFor(async () => (await dp!.settled(), backends('cluster1') === 1 && backends('cluster2') === 1), 'backends up', { timeoutMs: 30_000 });
    });
    after(async () => {
      await dp?.close();
      await horizon?.close();
      await k?.cleanup();
      await clusters?.cleanup();
    });

    it('a network1 client gets v1 directly and v2 through network2 gateway; a network2 client the other way', async () => {
      const before2 = forwardedBy(dp!, 'network2');
      const before1 = forwardedBy(dp!, 'network1');
      const r1 = await call('network1', 40);
      const v1 = versions(r1);
      assert.ok((v1.v1 ?? 0) > 5 && (v1.v2 ?? 0) > 5, `network1 client answers: ${JSON.stringify(v1)}`);
      assert.equal(r1.filter((r) => !r.ok).length, 0, JSON.stringify(v1));
      assert.equal(forwardedBy(dp!, 'network2') - before2, v1.v2, 'every v2 answer passed network2 gateway');
      assert.equal(forwardedBy(dp!, 'network1') - before1, 0, 'no v1 answer passed a gateway');

      const r2 = await call('network2', 40);
      const v2 = versions(r2);
      assert.ok((v2.v1 ?? 0) > 5 && (v2.v2 ?? 0) > 5, `network2 client answers: ${JSON.stringify(v2)}`);
      assert.equal(forwardedBy(dp!, 'network1') - before1, v2.v1, 'every v1 answer of the network2 client passed network1 gateway');
      assert.equal(forwardedBy(dp!, 'network2') - before2, v1.v2, 'network2 gateway saw no call of the network2 client');
    });

    it('1 ready pod on network1 and 3 on network2: a network1 client sends about 75 % to network2', async () => {
      await scaleV2(3);
      await waitFor(async () => (await readyPods('remote', 'v2')) === 3 && horizon!.mesh.endpoints(HELLO_HOST).length === 4, '3 v2 endpoints', { timeoutMs: 30_000 });
      await waitFor(async () => (await dp!.settled(), backends('cluster2') === 3), '3 v2 backends', { timeoutMs: 30_000 });
      const results = await call('network1', 400);
      const v = versions(results);
      const share = (v.v2 ?? 0) / results.length;
      console.log(`      network1 client, 1 v1 pod vs 3 v2 pods: ${JSON.stringify(v)} (v2 share ${(share * 100).toFixed(1)} %)`);
      assert.ok(share > 0.68 && share < 0.82, `v2 share ${share}`);
    });

    it('scaling v2 to zero moves all traffic to v1; removing cluster2 does too', async () => {
      await scaleV2(0);
      await waitFor(() => horizon!.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === 'cluster2').length === 0, 'v2 endpoints gone', { timeoutMs: 30_000 });
      let v = versions(await call('network1', 30));
      assert.deepEqual(v, { v1: 30 });

      await scaleV2(1);
      await waitFor(async () => (await dp!.settled(), backends('cluster2') === 1), 'v2 back', { timeoutMs: 30_000 });
      v = versions(await call('network1', 30));
      assert.ok((v.v2 ?? 0) > 0, `v2 answers again: ${JSON.stringify(v)}`);

      await kubectl('primary', ['-n', 'istio-system', 'delete', 'secret', SECRET]);
      await waitFor(() => !horizon!.registry.has('cluster2'), 'cluster2 removed', { timeoutMs: 10_000 });
      v = versions(await call('network1', 30));
      assert.deepEqual(v, { v1: 30 });
      await registerRemote();
    });

    it('a VirtualService with 90/10 weights between DestinationRule subsets gives about 90/10', async () => {
      const manifests = [
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'DestinationRule',
          metadata: { name: 'helloworld', namespace: 'sample' },
          spec: { host: 'helloworld', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
        },
        {
          apiVersion: 'networking.istio.io/v1',
          kind: 'VirtualService',
          metadata: { name: 'helloworld', namespace: 'sample' },
          spec: {
            hosts: ['helloworld'],
            http: [{ route: [{ destination: { host: 'helloworld', subset: 'v1' }, weight: 90 }, { destination: { host: 'helloworld', subset: 'v2' }, weight: 10 }] }],
          },
        },
      ];
      await kubectl('primary', ['apply', '-f', '-'], manifests.map((m) => stringify(m)).join('---\n'));
      await waitFor(() => horizon!.provider.explainRoutes(HELLO_HOST, 5000)?.virtualService?.name === 'helloworld', 'the VirtualService in force', { timeoutMs: 10_000 });
      const results = await call('network1', 400);
      const v = versions(results);
      const share = (v.v1 ?? 0) / results.length;
      console.log(`      90/10 canary: ${JSON.stringify(v)} (v1 share ${(share * 100).toFixed(1)} %)`);
      assert.ok(share > 0.85 && share < 0.95, `v1 share ${share}`);
    });
  });
}
