// What Horizon serves per resource type and client kind, read back over real ADS streams from a
// Horizon watching the emulated demo clusters.
import { strict as assert } from 'node:assert';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import type { DecodedCluster } from '../../src/xds/resources/cluster.js';
import type { DecodedClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import type { DecodedListener } from '../../src/xds/resources/listener.js';
import type { RouteConfigurationInput } from '../../src/xds/resources/route-configuration.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE } from '../../src/xds/type-urls.js';
import { HELLO_CLA, HELLO_HOST, helloPod, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const decoded = <T>(c: AdsClient, type: string, name: string) => c.resources(type).get(name)?.decoded?.value as T | undefined;

describe('xDS resources served from the mesh', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  const clients: AdsClient[] = [];
  const client = (metadata: Record<string, unknown>, extra: { userAgentName?: string } = {}) => {
    const c = new AdsClient({ address: mesh.horizon.xds.address, node: { id: `n${clients.length}`, metadata, ...extra } });
    clients.push(c);
    return c;
  };

  before(async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
    mesh.registerRemote();
    await waitFor(() => mesh.horizon.registry.get('cluster2')?.source.status === 'synced', 'cluster2', { timeoutMs: 15_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    await mesh?.close();
  });

  it('Envoy: wildcard CDS lists every service port as an EDS cluster (istiod default LEAST_REQUEST); no listeners', async () => {
    const envoy = client({ NETWORK: 'network1' }, { userAgentName: 'envoy' });
    envoy.subscribe(CLUSTER_TYPE);
    envoy.subscribe(LISTENER_TYPE);
    await waitFor(() => envoy.resources(CLUSTER_TYPE).size > 0, 'clusters', { timeoutMs: 10_000 });
    const names = [...envoy.resources(CLUSTER_TYPE).keys()];
    for (const n of [HELLO_CLA, 'outbound|80||sleep.sample.svc.cluster.local', 'outbound|15443||istio-eastwestgateway.istio-system.svc.cluster.local']) {
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    }
    const hello = decoded<DecodedCluster>(envoy, CLUSTER_TYPE, HELLO_CLA)!;
    assert.equal(hello.type, 'EDS');
    assert.ok(hello.edsOverAds);
    assert.equal(hello.lbPolicy, 'LEAST_REQUEST');
    await waitFor(() => envoy.responses.some((r) => r.typeUrl === LISTENER_TYPE), 'an LDS answer', { timeoutMs: 5000 });
    assert.equal(envoy.resources(LISTENER_TYPE).size, 0);
  });

  it('proxyless: the listener names clients use, each taking routes over RDS; domains match every spelling', async () => {
    const grpc = client({ NETWORK: 'network1', GENERATOR: 'grpc', NAMESPACE: 'sample' });
    const names = ['helloworld.sample:5000', `${HELLO_HOST}:5000`, 'helloworld.sample.svc:5000', 'helloworld:5000', 'nosuch.sample:5000', 'helloworld.sample:5001'];
    grpc.subscribe(LISTENER_TYPE, names);
    await waitFor(() => grpc.resources(LISTENER_TYPE).size >= 4, 'listeners', { timeoutMs: 10_000 });
    assert.deepEqual([...grpc.resources(LISTENER_TYPE).keys()].sort(), names.slice(0, 4).sort());
    const l = decoded<DecodedListener>(grpc, LISTENER_TYPE, 'helloworld.sample:5000')!;
    assert.equal(l.routeConfigName, `${HELLO_HOST}:5000`);
    assert.ok(l.rdsOverAds);
    assert.equal(l.httpFilters.at(-1)?.name, 'envoy.filters.http.router');

    grpc.subscribe(ROUTE_CONFIGURATION_TYPE, [`${HELLO_HOST}:5000`]);
    await waitFor(() => grpc.resources(ROUTE_CONFIGURATION_TYPE).size === 1, 'routes', { timeoutMs: 10_000 });
    const rc = decoded<RouteConfigurationInput>(grpc, ROUTE_CONFIGURATION_TYPE, `${HELLO_HOST}:5000`)!;
    const domains = rc.virtualHosts[0]!.domains;
    for (const d of ['helloworld.sample:5000', `${HELLO_HOST}:5000`, 'helloworld.sample.svc:5000', 'helloworld:5000']) assert.ok(domains.includes(d), d);
    assert.deepEqual(rc.virtualHosts[0]!.routes.map((r) => r.action), [{ cluster: HELLO_CLA }]);

    const noNamespace = client({ NETWORK: 'network1', GENERATOR: 'grpc' });
    noNamespace.subscribe(LISTENER_TYPE, ['helloworld:5000', 'helloworld.sample:5000']);
    await waitFor(() => noNamespace.resources(LISTENER_TYPE).size === 1, 'listener', { timeoutMs: 10_000 });
    assert.ok(!noNamespace.resources(LISTENER_TYPE).has('helloworld:5000'), 'a one-label name needs the caller namespace');
  });

  it('DestinationRule policies: consistent hash -> RING_HASH + route hash policy; LEAST_CONN -> Envoy LEAST_REQUEST, proxyless ROUND_ROBIN; subsets', async () => {
    mesh.c1.create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'hw', namespace: 'sample' },
      spec: {
        host: 'helloworld',
        trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } },
        subsets: [
          { name: 'v1', labels: { version: 'v1' } },
          { name: 'v2', labels: { version: 'v2' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } } },
        ],
      },
    });
    const v2 = `outbound|5000|v2|${HELLO_HOST}`;
    const grpc = client({ NETWORK: 'network2', GENERATOR: 'grpc', NAMESPACE: 'sample' });
    const envoy = client({ NETWORK: 'network2' }, { userAgentName: 'envoy' });
    for (const c of [grpc, envoy]) {
      c.subscribe(CLUSTER_TYPE, [HELLO_CLA, v2, `outbound|5000|v3|${HELLO_HOST}`]);
      c.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [v2]);
    }
    grpc.subscribe(ROUTE_CONFIGURATION_TYPE, [`${HELLO_HOST}:5000`]);
    await waitFor(() => decoded<DecodedCluster>(grpc, CLUSTER_TYPE, HELLO_CLA)?.lbPolicy === 'RING_HASH', 'ring hash', { timeoutMs: 10_000 });
    await waitFor(() => decoded<DecodedCluster>(envoy, CLUSTER_TYPE, v2) !== undefined && decoded<DecodedCluster>(grpc, CLUSTER_TYPE, v2) !== undefined, 'subset clusters', { timeoutMs: 10_000 });
    assert.equal(decoded<DecodedCluster>(grpc, CLUSTER_TYPE, v2)!.lbPolicy, 'ROUND_ROBIN');
    assert.equal(decoded<DecodedCluster>(envoy, CLUSTER_TYPE, v2)!.lbPolicy, 'LEAST_REQUEST');
    assert.ok(!grpc.resources(CLUSTER_TYPE).has(`outbound|5000|v3|${HELLO_HOST}`), 'an undefined subset has no cluster');
    await waitFor(() => (decoded<RouteConfigurationInput>(grpc, ROUTE_CONFIGURATION_TYPE, `${HELLO_HOST}:5000`)?.virtualHosts[0]?.routes[0]?.hashPolicy?.length ?? 0) > 0, 'hash policy', { timeoutMs: 10_000 });
    assert.deepEqual(decoded<RouteConfigurationInput>(grpc, ROUTE_CONFIGURATION_TYPE, `${HELLO_HOST}:5000`)!.virtualHosts[0]!.routes[0]!.hashPolicy, [{ header: 'x-user' }]);
    // The v2 subset, seen from network2: only the v2 pod, directly.
    await waitFor(() => decoded<DecodedClusterLoadAssignment>(grpc, CLUSTER_LOAD_ASSIGNMENT_TYPE, v2) !== undefined, 'v2 assignment', { timeoutMs: 10_000 });
    const cla = decoded<DecodedClusterLoadAssignment>(grpc, CLUSTER_LOAD_ASSIGNMENT_TYPE, v2)!;
    const v2pod = helloPod(mesh.c2, 'v2').ip;
    assert.deepEqual(cla.endpoints.flatMap((g) => g.lbEndpoints.map((e) => e.address)), [v2pod]);
    mesh.c1.delete('networking.istio.io/v1', 'DestinationRule', 'sample', 'hw');
    await waitFor(() => !grpc.resources(CLUSTER_TYPE).has(v2) || decoded<DecodedCluster>(grpc, CLUSTER_TYPE, HELLO_CLA)?.lbPolicy === 'ROUND_ROBIN', 'policy gone', { timeoutMs: 10_000 });
  });

  it('a name asked for before its service exists is pushed when the service appears', async () => {
    const grpc = client({ NETWORK: 'network1', GENERATOR: 'grpc' });
    const name = 'outbound|7000||late.sample.svc.cluster.local';
    grpc.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [name]);
    grpc.subscribe(CLUSTER_TYPE, [name]);
    await waitFor(() => grpc.responses.some((r) => r.typeUrl === CLUSTER_TYPE), 'a first CDS answer', { timeoutMs: 5000 });
    assert.equal(grpc.resources(CLUSTER_TYPE).size, 0);
    mesh.c2.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'late', namespace: 'sample' }, spec: { selector: { app: 'helloworld' }, ports: [{ name: 'grpc', port: 7000, targetPort: 5000 }] } });
    await waitFor(() => grpc.resources(CLUSTER_TYPE).has(name) && (decoded<DecodedClusterLoadAssignment>(grpc, CLUSTER_LOAD_ASSIGNMENT_TYPE, name)?.endpoints.length ?? 0) > 0, 'late service pushed', { timeoutMs: 10_000 });
    const cla = decoded<DecodedClusterLoadAssignment>(grpc, CLUSTER_LOAD_ASSIGNMENT_TYPE, name)!;
    // Its only endpoint is on network2, so a network1 caller reaches it through the gateway, on the gateway port.
    assert.deepEqual(cla.endpoints.flatMap((g) => g.lbEndpoints.map((e) => e.port)), [15443]);
  });

  it('listener names asked for before their service exists, one-label (the caller namespace) or not, are pushed when it appears', async () => {
    const grpc = client({ NETWORK: 'network1', GENERATOR: 'grpc', NAMESPACE: 'sample' });
    const names = ['later:7100', 'later.sample:7100'];
    grpc.subscribe(LISTENER_TYPE, names);
    await waitFor(() => grpc.responses.some((r) => r.typeUrl === LISTENER_TYPE), 'a first LDS answer', { timeoutMs: 5000 });
    assert.equal(grpc.resources(LISTENER_TYPE).size, 0);
    mesh.c1.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'later', namespace: 'sample' }, spec: { selector: { app: 'helloworld' }, ports: [{ name: 'grpc', port: 7100, targetPort: 5000 }] } });
    await waitFor(() => names.every((n) => grpc.resources(LISTENER_TYPE).has(n)), 'both listeners pushed', { timeoutMs: 10_000 });
  });
});
