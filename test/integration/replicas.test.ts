// Replicas are independent: two Horizons (as the Deployment's two pods) watch the same clusters, each
// on its own, and serve the same assignments to callers of every network, down to the bytes; they
// follow a change (a pod scaled in the remote cluster) to the same result.
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { claAddresses, gatewayIp, HELLO_CLA, helloPods, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const claOf = (c: AdsClient) => c.resources(CLUSTER_LOAD_ASSIGNMENT_TYPE).get(HELLO_CLA);

describe('two Horizon replicas on the same clusters', function () {
  this.timeout(90_000);
  let mesh: DemoMesh;
  let second: Horizon;
  const clients: AdsClient[] = [];

  before(async () => {
    mesh = await startDemoMesh();
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(mesh.kubeconfigPath);
    second = await startHorizon({ kubeConfig, contexts: ['cluster1'], xdsAddress: '127.0.0.1:0', remoteClusterTimeoutMs: 10_000, probeIntervalMs: 500, informerBackoff: { initialMs: 50, maxMs: 500 }, pushQuietMs: 2 });
    await Promise.all([mesh.horizon.whenReady(), second.whenReady()]);
  });
  after(async () => {
    for (const c of clients) c.close();
    await second?.close();
    await mesh?.close();
  });

  it('serve byte-equal assignments to both networks, before and after a change', async () => {
    mesh.registerRemote();
    const gw = (c: typeof mesh.c1) => `${gatewayIp(c)}:15443`;
    const pods = (c: typeof mesh.c1) => helloPods(c).map((p) => `${p.ip}:5000`);
    const expected = () => ({
      network1: [...pods(mesh.c1), gw(mesh.c2)].sort(),
      network2: [...pods(mesh.c2), gw(mesh.c1)].sort(),
    });

    const pairs = (['network1', 'network2'] as const).map((network) => {
      const [a, b] = [mesh.horizon, second].map((h, i) => {
        const c = new AdsClient({ address: h.xds.address, node: { id: `replica${i}-${network}`, metadata: { NETWORK: network } } });
        c.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
        clients.push(c);
        return c;
      });
      return { network, a: a!, b: b! };
    });

    const converged = async (what: string) => {
      const want = expected();
      for (const { network, a, b } of pairs) {
        await waitFor(() => JSON.stringify(claAddresses(a)) === JSON.stringify(want[network]) && JSON.stringify(claAddresses(b)) === JSON.stringify(want[network]), `${what}: both replicas serve ${network} ${JSON.stringify(want[network])}`, { timeoutMs: 30_000 });
        assert.deepEqual(claOf(a)!.decoded!.value, claOf(b)!.decoded!.value, `${network}: equal decoded content`);
        assert.ok(Buffer.from(claOf(a)!.bytes).equals(Buffer.from(claOf(b)!.bytes)), `${network}: byte-equal ClusterLoadAssignments`);
      }
    };
    await converged('after cluster2 is registered');

    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 3 } });
    await waitFor(() => pods(mesh.c2).length === 3, 'three v2 pods', { timeoutMs: 10_000 });
    await converged('after v2 is scaled to three pods');
    const network1 = claAddresses(pairs[0]!.a);
    assert.equal(network1.filter((a) => a === gw(mesh.c2)).length, 1, 'network1 still sees one gateway for all of cluster2');
  });
});
