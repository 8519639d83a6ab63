// Proxyless gRPC for real: @grpc/grpc-js-xds clients (each in its own process, with its own
// bootstrap and NETWORK) call helloworld through xds:/// targets; Horizon serves LDS/RDS/CDS/EDS from
// the emulated demo clusters; helloworld backends listen on the pod addresses and each network's
// east-west gateway forwards what crosses networks. The walkthrough's experiment, and the shares.
import { strict as assert } from 'node:assert';
import { startDemoDataplane, type DemoDataplane } from '../../src/demo/demo-dataplane.js';
import { runGrpcXdsClient, type GrpcCallResult } from '../support/grpc-xds-client.js';
import { HELLO_HOST, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitUntil } from '../support/wait.js';

const TARGET = `xds:///${HELLO_HOST}:5000`;

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

const readyPods = (mesh: DemoMesh, cluster: 'c1' | 'c2', version: string) =>
  mesh[cluster].list('v1', 'Pod', { namespace: 'sample', labelSelector: `app=helloworld,version=${version}` }).length;

describe('proxyless gRPC across networks (emulated demo clusters)', function () {
  this.timeout(180_000);
  let mesh: DemoMesh;
  let dp: DemoDataplane;

  const call = (network: string, calls: number) =>
    runGrpcXdsClient({ server: mesh.horizon.xds.address, target: TARGET, calls, metadata: { NETWORK: network, GENERATOR: 'grpc' }, nodeId: `client-${network}` });

  before(async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
    mesh.registerRemote();
    await waitUntil(() => mesh.horizon.registry.get('cluster2')?.source.status === 'synced', 20_000, 'cluster2 synced');
    dp = await startDemoDataplane({ set: mesh.set, xdsAddress: mesh.horizon.xds.address });
    await waitUntil(async () => (await dp.settled(), dp.backends.get('cluster1')!.fleet.backends().length === 1 && dp.backends.get('cluster2')!.fleet.backends().length === 1), 20_000, 'backends up');
  });
  after(async () => {
    await dp?.close();
    await mesh?.close();
  });

  it('a network1 client gets v1 directly and v2 through network2 gateway; a network2 client the other way', async () => {
    const before2 = forwardedBy(dp, 'network2');
    const before1 = forwardedBy(dp, 'network1');
    const r1 = await call('network1', 40);
    const v1 = versions(r1);
    assert.ok((v1.v1 ?? 0) > 5 && (v1.v2 ?? 0) > 5, `network1 client answers: ${JSON.stringify(v1)}`);
    assert.equal(r1.filter((r) => !r.ok).length, 0, JSON.stringify(v1));
    assert.equal(forwardedBy(dp, 'network2') - before2, v1.v2, 'every v2 answer passed network2 gateway');
    assert.equal(forwardedBy(dp, 'network1') - before1, 0, 'no v1 answer passed a gateway');

    const r2 = await call('network2', 40);
    const v2 = versions(r2);
    assert.ok((v2.v1 ?? 0) > 5 && (v2.v2 ?? 0) > 5, `network2 client answers: ${JSON.stringify(v2)}`);
    assert.equal(forwardedBy(dp, 'network1') - before1, v2.v1, 'every v1 answer of the network2 client passed network1 gateway');
    assert.equal(forwardedBy(dp, 'network2') - before2, v1.v2, 'network2 gateway saw no call of the network2 client');
  });

  it('1 ready pod on network1 and 3 on network2: a network1 client sends about 75 % to network2', async () => {
    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 3 } }, 'merge');
    await waitUntil(() => readyPods(mesh, 'c2', 'v2') === 3 && mesh.horizon.mesh.endpoints(HELLO_HOST).length === 4, 20_000, '3 v2 endpoints');
    await waitUntil(async () => (await dp.settled(), dp.backends.get('cluster2')!.fleet.backends().length === 3), 20_000, '3 v2 backends');
    const results = await call('network1', 400);
    const v = versions(results);
    const share = (v.v2 ?? 0) / results.length;
    console.log(`      network1 client, 1 v1 pod vs 3 v2 pods: ${JSON.stringify(v)} (v2 share ${(share * 100).toFixed(1)} %)`);
    assert.ok(share > 0.68 && share < 0.82, `v2 share ${share}`);
  });

  it('scaling v2 to zero moves all traffic to v1; removing cluster2 does too', async () => {
    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 0 } }, 'merge');
    await waitUntil(() => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === 'cluster2').length === 0, 20_000, 'v2 endpoints gone');
    let v = versions(await call('network1', 30));
    assert.deepEqual(v, { v1: 30 });

    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 1 } }, 'merge');
    await waitUntil(async () => (await dp.settled(), dp.backends.get('cluster2')!.fleet.backends().length === 1), 20_000, 'v2 back');
    v = versions(await call('network1', 30));
    assert.ok((v.v2 ?? 0) > 0, `v2 answers again: ${JSON.stringify(v)}`);

    mesh.c1.delete('v1', 'Secret', 'istio-system', 'cluster2-secret');
    await waitUntil(() => !mesh.horizon.registry.has('cluster2'), 10_000, 'cluster2 removed');
    v = versions(await call('network1', 30));
    assert.deepEqual(v, { v1: 30 });
    mesh.registerRemote();
    await waitUntil(() => mesh.horizon.registry.get('cluster2')?.source.status === 'synced', 20_000, 'cluster2 back');
  });

  it('a VirtualService with 90/10 weights between DestinationRule subsets gives about 90/10', async () => {
    mesh.c1.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'helloworld', namespace: 'sample' },
      spec: { host: 'helloworld', subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }] },
    });
    mesh.c1.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'helloworld', namespace: 'sample' },
      spec: {
        hosts: ['helloworld'],
        http: [{ route: [{ destination: { host: 'helloworld', subset: 'v1' }, weight: 90 }, { destination: { host: 'helloworld', subset: 'v2' }, weight: 10 }] }],
      },
    });
    await waitUntil(() => mesh.horizon.provider.explainRoutes(HELLO_HOST, 5000)?.virtualService?.name === 'helloworld', 10_000, 'the VirtualService in force');
    const results = await call('network1', 400);
    const v = versions(results);
    const share = (v.v1 ?? 0) / results.length;
    console.log(`      90/10 canary: ${JSON.stringify(v)} (v1 share ${(share * 100).toFixed(1)} %)`);
    assert.ok(share > 0.85 && share < 0.95, `v1 share ${share}`);
  });
});
