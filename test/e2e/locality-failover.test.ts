// Locality failover served to real clients: @grpc/grpc-js-xds callers (each its own process, with its own
// NETWORK and node locality) and, when it is built here, grpc-go's own xDS client, call helloworld through
// Horizon on the demo clusters of every provider, with the demo's data plane (backends on the pod
// addresses, an east-west gateway per network). Every change goes through kubectl, as a user makes it.
// - network failover (failoverPriority [topology.istio.io/network], outlierDetection set): a network1
//   caller stays on network1 while v1 is there, moves to network2 through its gateway when v1 is scaled to
//   zero or its pod goes not-ready (the status a failing readiness probe writes), and comes back;
// - zone failover inside network1 (outlierDetection alone: the mesh default's region/zone ordering);
// - `distribute` weights measured as shares.
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { startDemoDataplane, type DemoDataplane } from '../../src/demo/demo-dataplane.js';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { grpcGoCalls } from '../../src/peers/grpc-go-client.js';
import { findPeerBinaries, type PeerBinaries } from '../../src/peers/peer-binaries.js';
import { KubectlEnv } from '../emulator/helpers.js';
import { runGrpcXdsClient, startGrpcXdsClient, type GrpcCallResult, type GrpcXdsClientHandle } from '../support/grpc-xds-client.js';
import { HELLO_HOST } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';
import { selectedProviders, type ClusterProvider, type ProvisionedClusters } from './providers/index.js';
import { provisionForSuite } from './support/suite-clusters.js';

const TARGET = `xds:///${HELLO_HOST}:5000`;
const SECRET = 'cluster2-secret';
const OUTLIER = { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '30s' };
const CALLER_ZONE_A = { region: 'region1', zone: 'region1-zone-a' };

/** `v1` / `v2` / `error <code>` of one result. */
function versionOf(r: GrpcCallResult): string {
  return r.ok ? (/Hello version: (v\d+)/.exec(String(r.reply?.message ?? ''))?.[1] ?? 'other') : `error ${r.code}`;
}

/** The pod that answered ('' for an error). */
function podOf(r: GrpcCallResult): string {
  return r.ok ? (/instance: (\S+)/.exec(String(r.reply?.message ?? ''))?.[1] ?? '') : '';
}

function tally(results: readonly GrpcCallResult[], key: (r: GrpcCallResult) => string = versionOf): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) out[key(r)] = (out[key(r)] ?? 0) + 1;
  return out;
}

/** The last n results all satisfy pred. */
const lastAll = (rs: readonly GrpcCallResult[], n: number, pred: (r: GrpcCallResult) => boolean) => rs.length >= n && rs.slice(-n).every(pred);

function forwardedBy(dp: DemoDataplane, network: string): number {
  return Object.values(dp.gateways.get(network)!.stats().authorities).reduce((s, a) => s + a.forwarded, 0);
}

function destinationRule(trafficPolicy: Record<string, unknown>): string {
  return stringify({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'helloworld', namespace: 'sample' }, spec: { host: 'helloworld', trafficPolicy } });
}

for (const provider of selectedProviders()) failoverSuite(provider);

function failoverSuite(provider: ClusterProvider): void {
  describe(`locality failover with real clients (${provider.name} demo clusters)`, function () {
    this.timeout(300_000);
    let clusters: ProvisionedClusters | undefined;
    let k: KubectlEnv | undefined;
    let horizon: Horizon | undefined;
    let dp: DemoDataplane | undefined;
    let peers: PeerBinaries | undefined;
    let peersMissing = '';
    const open: GrpcXdsClientHandle[] = [];

    const kubectl = (context: 'primary' | 'remote', args: string[], input?: string) => k!.run(['--context', clusters![context].context, ...args], input === undefined ? {} : { input });
    const scaleV1 = (replicas: number) => kubectl('primary', ['-n', 'sample', 'scale', 'deployment', 'helloworld-v1', `--replicas=${replicas}`]);
    const backends = (id: string) => dp!.backends.get(id)!.fleet.backends().length;
    const v1Endpoints = () => horizon!.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === clusters!.primary.clusterId && e.health === 'healthy').length;
    const applyRule = async (trafficPolicy: Record<string, unknown>, mode: string) => {
      await kubectl('primary', ['apply', '-f', '-'], destinationRule(trafficPolicy));
      await waitFor(() => horizon!.provider.localityLb({ host: HELLO_HOST, port: 5000, subset: '' }).mode === mode, `locality load balancing ${mode}`, { timeoutMs: 15_000 });
    };
    const client = (nodeId: string, locality = CALLER_ZONE_A) => {
      const c = startGrpcXdsClient({ server: horizon!.xds.address, target: TARGET, calls: 0, intervalMs: 20, deadlineMs: 2000, timeoutMs: 240_000, nodeId, locality, metadata: { NETWORK: 'network1', GENERATOR: 'grpc' } });
      open.push(c);
      return c;
    };
    /** grpc-go's calls from a network1 caller in this locality, per answering pod ('error ...' for failures); undefined when grpc-go is not built here. */
    const goCalls = async (id: string, locality: { region: string; zone: string }, calls: number): Promise<Record<string, number> | undefined> => {
      if (!peers) {
        console.log(`      grpc-go: skipped (${peersMissing})`);
        return undefined;
      }
      const r = await grpcGoCalls({ binaries: peers, server: horizon!.xds.address, node: { id, metadata: { NETWORK: 'network1', GENERATOR: 'grpc' }, locality }, target: TARGET, calls, callTimeoutMs: 1000, timeoutMs: 60_000 });
      const out: Record<string, number> = {};
      for (const [reply, n] of Object.entries(r.byReply)) {
        const pod = /instance: (\S+)/.exec(reply)?.[1] ?? reply;
        out[pod] = (out[pod] ?? 0) + n;
      }
      for (const [e, n] of Object.entries(r.errors)) out[`error ${e.slice(0, 60)}`] = n;
      return out;
    };
    /** v1 pods of cluster1 with the zone of their node. */
    const v1Pods = async (): Promise<{ name: string; zone: string }[]> => {
      const pods = (await kubectl('primary', ['-n', 'sample', 'get', 'pods', '-l', 'app=helloworld,version=v1', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}'])).stdout;
      const out: { name: string; zone: string }[] = [];
      for (const line of pods.split('\n').filter(Boolean)) {
        const [name, node] = line.split(' ');
        const zone = (await kubectl('primary', ['get', 'node', node!, '-o', 'jsonpath={.metadata.labels.topology\\.kubernetes\\.io/zone}'])).stdout.trim();
        out.push({ name: name!, zone });
      }
      return out;
    };
    /**
     * The pod's Ready condition, as a failing readiness probe would set it: on real control planes the
     * kubelet's way (kwok leaves a running pod's conditions alone; the real EndpointSlice controller then
     * marks the endpoint not ready), on the emulator through its own API.
     */
    const setReady = async (pod: string, ready: boolean) => {
      if (provider.name === 'emulated') {
        const file = await k!.file(`empty-${pod}.json`, '{}');
        await kubectl('primary', ['create', '--raw', `/_emulator/pods/sample/${pod}/${ready ? 'ready' : 'not-ready'}`, '-f', file]);
        return;
      }
      const status = ready ? 'True' : 'False';
      const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const conditions = ['Ready', 'ContainersReady'].map((type) => ({ type, status, lastTransitionTime: at }));
      const patched = await kubectl('primary', ['-n', 'sample', 'patch', 'pod', pod, '--subresource=status', '--type=strategic', '-p', JSON.stringify({ status: { conditions } })]);
      assert.equal(patched.code, 0, patched.stderr);
    };

    before(async function () {
      let kubeconfigText: string;
      ({ clusters, k, kubeconfigText } = await provisionForSuite(this, provider));
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(kubeconfigText);
      horizon = await startHorizon({ kubeConfig, contexts: [clusters.primary.context], clusterId: clusters.primary.clusterId, xdsAddress: '127.0.0.1:0', pushQuietMs: 2 });
      await horizon.whenReady();
      const remoteKubeconfig = (await k.run(['config', 'view', '--minify', '--flatten', '--context', clusters.remote.context])).stdout;
      const file = await k.file('remote-kubeconfig', remoteKubeconfig);
      await kubectl('primary', ['-n', 'istio-system', 'create', 'secret', 'generic', SECRET, `--from-file=${clusters.remote.clusterId}=${file}`]);
      await kubectl('primary', ['-n', 'istio-system', 'label', 'secret', SECRET, 'istio/multiCluster=true']);
      await waitFor(() => horizon!.registry.get(clusters!.remote.clusterId)?.source.status === 'synced', 'cluster2 synced', { timeoutMs: 60_000 });
      const own = async (ref: { context: string; clusterId: string; network: string }) => {
        const yaml = (await k!.run(['config', 'view', '--minify', '--flatten', '--context', ref.context])).stdout;
        return { id: ref.clusterId, network: ref.network, kubeconfigYaml: () => yaml };
      };
      dp = await startDemoDataplane({ clusters: [await own(clusters.primary), await own(clusters.remote)], xdsAddress: horizon.xds.address });
      await waitFor(async () => (await dp!.settled(), backends('cluster1') === 1 && backends('cluster2') === 1), 'backends up', { timeoutMs: 30_000 });
      const found = await findPeerBinaries();
      if ('missing' in found) peersMissing = found.missing;
      else peers = found;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.stop().catch(() => [])));
    });
    after(async () => {
      await dp?.close();
      await horizon?.close();
      await k?.cleanup();
      await clusters?.cleanup();
    });

    it('network failover: 100 % on network1 while v1 is up; scaled to zero, network2 through its gateway; back when v1 returns', async () => {
      await applyRule({ outlierDetection: OUTLIER, loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } } }, 'failover');
      const c = client('failover-network1');
      await c.waitFor((rs) => rs.length >= 60, 60_000, '60 calls');
      assert.deepEqual(tally(c.results), { v1: c.results.length }, 'every call stays on network1');
      const gwBefore = forwardedBy(dp!, 'network2');

      // Gone: v1 scaled to zero.
      const atScale = c.results.length;
      await scaleV1(0);
      await c.waitFor((rs) => lastAll(rs, 60, (r) => versionOf(r) === 'v2'), 60_000, '60 calls in a row answered by v2');
      const moving = c.results.slice(atScale);
      const failed = moving.filter((r) => !r.ok).length;
      console.log(`      v1 scaled to zero: ${JSON.stringify(tally(moving))} (${failed} failed while moving)`);
      assert.ok(failed <= 2, `at most the calls in flight at the reconnect fail: ${JSON.stringify(tally(moving))}`);
      assert.ok(forwardedBy(dp!, 'network2') - gwBefore >= 60, 'the v2 answers went through network2 gateway');

      // Back: v1 scaled to one.
      const atReturn = c.results.length;
      await scaleV1(1);
      await waitFor(async () => (await dp!.settled(), backends('cluster1') === 1), 'v1 backend back', { timeoutMs: 30_000 });
      await c.waitFor((rs) => lastAll(rs, 60, (r) => versionOf(r) === 'v1'), 60_000, '60 calls in a row answered by v1 again');
      const back = c.results.slice(atReturn);
      console.log(`      v1 back: ${JSON.stringify(tally(back))}`);
      assert.equal(back.filter((r) => !r.ok).length, 0, `no call fails when network1 returns: ${JSON.stringify(tally(back))}`);
      await c.stop();

      // grpc-go, once: on network1 while v1 is up.
      if (!peers) console.log(`      grpc-go: skipped (${peersMissing})`);
      else {
        const node = { id: 'grpc-go-failover', metadata: { NETWORK: 'network1', GENERATOR: 'grpc' }, locality: { region: 'region1', zone: 'region1-zone-a' } };
        const up = await grpcGoCalls({ binaries: peers, server: horizon!.xds.address, node, target: TARGET, calls: 30, callTimeoutMs: 1000, timeoutMs: 30_000 });
        const versions = (r: typeof up) => Object.entries(r.byReply).map(([reply, n]) => [/version: (v\d+)/.exec(reply)?.[1], n]);
        console.log(`      grpc-go, v1 up: ${JSON.stringify(versions(up))}, errors ${JSON.stringify(up.errors)}`);
        assert.deepEqual(versions(up), [['v1', 30]]);
        await scaleV1(0);
        await waitFor(() => v1Endpoints() === 0, 'v1 endpoints gone', { timeoutMs: 30_000 });
        const down = await grpcGoCalls({ binaries: peers, server: horizon!.xds.address, node, target: TARGET, calls: 30, callTimeoutMs: 1000, timeoutMs: 30_000 });
        console.log(`      grpc-go, v1 scaled to zero: ${JSON.stringify(versions(down))}, errors ${JSON.stringify(down.errors)}`);
        assert.deepEqual(versions(down), [['v2', 30]]);
        await scaleV1(1);
        await waitFor(async () => (await dp!.settled(), backends('cluster1') === 1 && v1Endpoints() === 1), 'v1 back', { timeoutMs: 30_000 });
      }
    });

    it('network failover when the network1 pod goes not-ready, and back when it is ready', async function () {
      await applyRule({ outlierDetection: OUTLIER, loadBalancer: { localityLbSetting: { enabled: true, failoverPriority: ['topology.istio.io/network'] } } }, 'failover');
      const [pod] = await v1Pods();
      assert.ok(pod, 'a v1 pod');
      const c = client('failover-not-ready');
      await c.waitFor((rs) => rs.length >= 40, 60_000, '40 calls');
      assert.deepEqual(tally(c.results), { v1: c.results.length });
      const at = c.results.length;
      await setReady(pod.name, false);
      await c.waitFor((rs) => lastAll(rs, 40, (r) => versionOf(r) === 'v2'), 60_000, '40 calls in a row answered by v2');
      const moving = c.results.slice(at);
      console.log(`      v1 not ready: ${JSON.stringify(tally(moving))}`);
      // The pod still serves while not ready: nothing fails.
      assert.equal(moving.filter((r) => !r.ok).length, 0, JSON.stringify(tally(moving)));
      const atBack = c.results.length;
      await setReady(pod.name, true);
      await c.waitFor((rs) => lastAll(rs, 40, (r) => versionOf(r) === 'v1'), 60_000, '40 calls in a row answered by v1 again');
      assert.equal(c.results.slice(atBack).filter((r) => !r.ok).length, 0);
    });

    it('zone failover inside network1: the caller zone first, the other zone when it fails, never network2 while network1 serves', async function () {
      // outlierDetection alone: the mesh default (enabled) orders by region, zone, subzone.
      await applyRule({ outlierDetection: OUTLIER }, 'failover');
      await scaleV1(2);
      await waitFor(async () => (await dp!.settled(), backends('cluster1') === 2 && v1Endpoints() === 2), 'two v1 pods', { timeoutMs: 30_000 });
      const pods = await v1Pods();
      const zones = new Set(pods.map((p) => p.zone));
      assert.equal(zones.size, 2, `the two v1 pods are in two zones: ${JSON.stringify(pods)}`);
      const [a, b] = pods as [{ name: string; zone: string }, { name: string; zone: string }];
      const c = client('failover-zone', { region: 'region1', zone: a.zone });
      await c.waitFor((rs) => rs.length >= 40, 60_000, '40 calls');
      assert.deepEqual(tally(c.results, podOf), { [a.name]: c.results.length }, `every call in the caller's zone ${a.zone}`);
      const at = c.results.length;
      await setReady(a.name, false);
      await c.waitFor((rs) => lastAll(rs, 40, (r) => podOf(r) === b.name), 60_000, `40 calls in a row answered in ${b.zone}`);
      const moving = c.results.slice(at);
      console.log(`      ${a.zone} not ready: ${JSON.stringify(tally(moving, (r) => (r.ok ? `${versionOf(r)} ${podOf(r) === b.name ? b.zone : podOf(r) === a.name ? a.zone : 'network2'}` : versionOf(r))))}`);
      assert.equal(moving.filter((r) => versionOf(r) !== 'v1').length, 0, 'network1 still serves: no call leaves it');
      const go = await goCalls(`grpc-go-zone`, { region: 'region1', zone: a.zone }, 30);
      if (go) {
        console.log(`      grpc-go, ${a.zone} not ready: ${JSON.stringify(go)}`);
        assert.deepEqual(go, { [b.name]: 30 }, `grpc-go goes to ${b.zone} too`);
      }
      await setReady(a.name, true);
      await c.waitFor((rs) => lastAll(rs, 40, (r) => podOf(r) === a.name), 60_000, `40 calls in a row back in ${a.zone}`);
    });

    it('distribute: 80/20 between the zones of region1, measured as shares', async function () {
      if (v1Endpoints() !== 2) {
        await scaleV1(2);
        await waitFor(async () => (await dp!.settled(), backends('cluster1') === 2 && v1Endpoints() === 2), 'two v1 pods', { timeoutMs: 30_000 });
      }
      const pods = await v1Pods();
      const inA = pods.find((p) => p.zone === 'region1-zone-a');
      const inB = pods.find((p) => p.zone === 'region1-zone-b');
      assert.ok(inA && inB, `a v1 pod in each zone: ${JSON.stringify(pods)}`);
      await applyRule({ loadBalancer: { localityLbSetting: { distribute: [{ from: 'region1/*', to: { 'region1/region1-zone-a': 80, 'region1/region1-zone-b': 20 } }] } } }, 'distribute');
      const results = await runGrpcXdsClient({ server: horizon!.xds.address, target: TARGET, calls: 400, nodeId: 'distribute', locality: CALLER_ZONE_A, metadata: { NETWORK: 'network1', GENERATOR: 'grpc' }, timeoutMs: 120_000 });
      const t = tally(results, (r) => (podOf(r) === inA.name ? 'zone-a' : podOf(r) === inB.name ? 'zone-b' : versionOf(r)));
      const share = (t['zone-a'] ?? 0) / results.length;
      console.log(`      distribute 80/20: ${JSON.stringify(t)} (zone-a share ${(share * 100).toFixed(1)} %)`);
      assert.equal(t.v2, undefined, 'region2 is not among the distribute targets: never called');
      assert.ok(share > 0.72 && share < 0.88, `zone-a share ${share}`);
      const go = await goCalls('grpc-go-distribute', CALLER_ZONE_A, 300);
      if (go) {
        const goShare = (go[inA.name] ?? 0) / 300;
        console.log(`      grpc-go, distribute 80/20: ${JSON.stringify(go)} (zone-a share ${(goShare * 100).toFixed(1)} %)`);
        assert.equal(Object.keys(go).filter((p) => p !== inA.name && p !== inB.name).length, 0, JSON.stringify(go));
        assert.ok(goShare > 0.7 && goShare < 0.9, `grpc-go zone-a share ${goShare}`);
      }
      await scaleV1(1);
    });
  });
}
