// The debug HTTP API against a real Horizon on the emulated demo clusters (cluster1/network1 primary,
// cluster2/network2 registered through a Secret during the tests), read over real HTTP.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import type { AdszClient, ConfigDump, Endpointz, EndpointzEntry, MeshView, Networkz, RegistryzService, SynczEntry } from '../../src/debug/index.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { getJson, parsePrometheus, sample } from '../support/debug-http.js';
import { claAddresses, HELLO_CLA, HELLO_HOST, secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';
import { clusterz, endpointsOf, gatewayIp, helloEdsz, helloPod } from './support.js';

const EDS = CLUSTER_LOAD_ASSIGNMENT_TYPE;

describe('debug API on the demo clusters', function () {
  this.timeout(90_000);
  let mesh: DemoMesh;
  let url: string;
  const clients: AdsClient[] = [];
  const newClient = (id: string, network: string, autoAck = true) => {
    const c = new AdsClient({ address: mesh.horizon.xds.address, autoAck, node: { id, metadata: { NETWORK: network, CLUSTER_ID: 'cluster1' } } });
    clients.push(c);
    return c;
  };
  const metrics = async () => {
    const r = await getJson(url, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    return parsePrometheus(r.text);
  };

  before(async () => {
    mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
    url = mesh.horizon.debug!.url;
  });
  after(async () => {
    for (const c of clients) c.close();
    await mesh?.close();
  });

  it('binds the address it was given and lists its endpoints at /debug; /healthz answers; unknown paths are 404 JSON', async () => {
    assert.match(mesh.horizon.debug!.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(url, `http://${mesh.horizon.debug!.address}`);
    const index = await getJson<{ path: string; help: string }[]>(url, '/debug');
    assert.equal(index.status, 200);
    const paths = index.body.map((e) => e.path);
    for (const p of ['/debug/endpointz', '/debug/edsz', '/debug/networkz', '/debug/clusterz', '/debug/registryz', '/debug/syncz', '/debug/adsz', '/debug/config_dump', '/debug/mesh', '/debug/connections', '/metrics', '/ready', '/healthz']) {
      assert.ok(paths.includes(p), `${p} listed`);
    }
    assert.ok(index.body.every((e) => e.help.length > 0));
    assert.equal((await getJson(url, '/healthz')).status, 200);
    const missing = await getJson<{ error: string }>(url, '/debug/nothing-here');
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /application\/json/);
    assert.match(missing.body.error, /no debug endpoint \/debug\/nothing-here/);
  });

  it('before cluster2 is registered: clusterz has the primary alone, network1 gets v1 directly and nothing of network2', async () => {
    const clusters = await clusterz(url);
    assert.equal(clusters.length, 1);
    const c1 = clusters[0]!;
    assert.equal(c1.id, 'cluster1');
    assert.equal(c1.primary, true);
    assert.equal(c1.origin, 'primary');
    assert.equal(c1.syncStatus, 'synced');
    assert.equal(c1.stale, false);
    assert.match(c1.server, /^https:\/\/127\.0\.0\.1:\d+$/);

    const v1 = helloPod(mesh.c1);
    const a = await helloEdsz(url, 'network1');
    assert.equal(a.clusterName, HELLO_CLA);
    assert.deepEqual(endpointsOf(a), [`${v1.ip}:5000`]);
    const e = a.endpoints[0]!;
    assert.equal(e.kind, 'direct');
    assert.equal(e.via, 'direct');
    assert.equal(e.cluster, 'cluster1');
    assert.equal(e.network, 'network1');
    assert.equal(e.pod, v1.name);
    assert.deepEqual(a.leftOut, []);
    assert.ok(!a.endpoints.some((x) => x.network === 'network2'), 'no network2 side yet');

    const nz = await getJson<Networkz>(url, '/debug/networkz');
    assert.deepEqual(nz.body.gateways.map((g) => g.network), ['network1']);
  });

  it('once cluster2 is registered: network1 gets v1 directly and network2 through its gateway; network2 the reverse', async () => {
    mesh.registerRemote();
    const gw2 = gatewayIp(mesh.c2);
    const gw1 = gatewayIp(mesh.c1);
    await waitFor(async () => (await clusterz(url)).some((c) => c.id === 'cluster2' && c.syncStatus === 'synced'), 'cluster2 synced', { timeoutMs: 20_000 });
    await waitFor(async () => endpointsOf(await helloEdsz(url, 'network1')).includes(`${gw2}:15443`), 'network2 gateway in edsz', { timeoutMs: 20_000 });

    const c2 = (await clusterz(url)).find((c) => c.id === 'cluster2')!;
    assert.deepEqual(
      { primary: c2.primary, origin: c2.origin, secretName: c2.secretName, secretNamespace: c2.secretNamespace, secretKey: c2.secretKey, stale: c2.stale },
      { primary: false, origin: 'secret', secretName: 'cluster2-secret', secretNamespace: 'istio-system', secretKey: 'cluster2', stale: false },
    );
    assert.equal((await clusterz(url))[0]!.id, 'cluster1', 'primary first');

    const v1 = helloPod(mesh.c1);
    const v2 = helloPod(mesh.c2);
    const n1 = await helloEdsz(url, 'network1');
    assert.deepEqual(endpointsOf(n1), [`${gw2}:15443`, `${v1.ip}:5000`].sort());
    const direct = n1.endpoints.find((e) => e.kind === 'direct')!;
    assert.deepEqual([direct.endpoint, direct.via, direct.cluster], [`${v1.ip}:5000`, 'direct', 'cluster1']);
    const viaGw = n1.endpoints.find((e) => e.kind === 'gateway')!;
    assert.equal(viaGw.via, `gateway ${gw2}:15443 of network2`);
    assert.equal(viaGw.network, 'network2');
    assert.equal(viaGw.endpointCount, 1);
    assert.equal(viaGw.gateway!.cluster, 'cluster2');
    assert.equal(viaGw.gateway!.source, 'service');
    assert.ok(viaGw.weight > 0 && viaGw.localityWeight >= viaGw.weight);
    // The proto3 JSON is the assignment itself: the same addresses, enums by name, weights as numbers.
    const cla = n1.clusterLoadAssignment as { clusterName: string; endpoints: { loadBalancingWeight: number; lbEndpoints: { endpoint: { address: { socketAddress: { address: string; portValue: number } } }; healthStatus: string; loadBalancingWeight: number }[] }[] };
    assert.equal(cla.clusterName, HELLO_CLA);
    const jsonEndpoints = cla.endpoints.flatMap((g) => g.lbEndpoints.map((l) => `${l.endpoint.address.socketAddress.address}:${l.endpoint.address.socketAddress.portValue}`)).sort();
    assert.deepEqual(jsonEndpoints, endpointsOf(n1));
    assert.ok(cla.endpoints.every((g) => typeof g.loadBalancingWeight === 'number' && g.lbEndpoints.every((l) => l.healthStatus === 'HEALTHY')));
    assert.equal(n1.explain.callerNetwork, 'network1');
    assert.deepEqual(n1.explain.networks.map((n) => [n.network, n.mode, n.endpoints]), [['network1', 'direct', 1], ['network2', 'gateway', 1]]);

    const n2 = await helloEdsz(url, 'network2');
    assert.deepEqual(endpointsOf(n2), [`${gw1}:15443`, `${v2.ip}:5000`].sort());
    assert.equal(n2.endpoints.find((e) => e.kind === 'direct')!.cluster, 'cluster2');
    assert.equal(n2.endpoints.find((e) => e.kind === 'gateway')!.via, `gateway ${gw1}:15443 of network1`);

    // A caller that asked to see network1 only: network2's pod is left out, with the reason.
    const r = await getJson<{ assignments: typeof n1[] }>(url, '/debug/edsz?network=network1&host=helloworld.sample&requestedNetworks=network1');
    assert.equal(r.status, 200);
    const only1 = r.body.assignments[0]!;
    assert.deepEqual(endpointsOf(only1), [`${v1.ip}:5000`]);
    assert.deepEqual(only1.leftOut.map((x) => [x.endpoint, x.reason, x.cluster, x.pod]), [[`${v2.ip}:5000`, 'outside-requested-view', 'cluster2', v2.name]]);

    // cluster= selects by exact name; several names come back in one answer.
    const byName = await getJson<{ assignments: typeof n1[] }>(url, `/debug/edsz?network=network2&cluster=${encodeURIComponent(HELLO_CLA)}`);
    assert.deepEqual(byName.body.assignments.map((x) => x.clusterName), [HELLO_CLA]);
    const all = await getJson<{ assignments: typeof n1[] }>(url, '/debug/edsz?network=network1');
    assert.ok(all.body.assignments.length >= 2, 'every cluster without filters');
  });

  it('endpointz, networkz, registryz and mesh show both clusters', async () => {
    const ez = await getJson<Endpointz>(url, '/debug/endpointz');
    assert.equal(ez.status, 200);
    const shards = ez.body[HELLO_HOST]!.sample!;
    assert.deepEqual(Object.keys(shards).sort(), ['Kubernetes/cluster1', 'Kubernetes/cluster2']);
    const e2: EndpointzEntry = shards['Kubernetes/cluster2']![0]!;
    assert.equal(e2.address, helloPod(mesh.c2).ip);
    assert.deepEqual(e2.ports, { grpc: 5000 });
    assert.equal(e2.network, 'network2');
    assert.equal(e2.networkSource, 'system-namespace');
    assert.equal(e2.health, 'healthy');
    assert.equal(e2.pod, helloPod(mesh.c2).name);
    assert.equal(e2.labels.version, 'v2');
    assert.match(e2.locality, /^region2\/region2-zone-[ab]$/);
    const one = await getJson<Endpointz>(url, '/debug/endpointz?host=helloworld.sample');
    assert.deepEqual(Object.keys(one.body), [HELLO_HOST]);

    const nz = await getJson<Networkz>(url, '/debug/networkz');
    assert.deepEqual(
      nz.body.gateways.map((g) => [g.network, g.cluster, g.address, g.port, g.source, g.origin]),
      [
        ['network1', 'cluster1', gatewayIp(mesh.c1), 15443, 'service', 'cluster1/istio-system/istio-eastwestgateway'],
        ['network2', 'cluster2', gatewayIp(mesh.c2), 15443, 'service', 'cluster2/istio-system/istio-eastwestgateway'],
      ],
    );
    assert.ok(Array.isArray(nz.body.problems));
    assert.deepEqual(nz.body.unresolvedHostnames, []);

    const rz = await getJson<RegistryzService[]>(url, '/debug/registryz');
    const hello = rz.body.find((s) => s.hostname === HELLO_HOST)!;
    assert.equal(hello.namespace, 'sample');
    assert.equal(hello.name, 'helloworld');
    assert.deepEqual(hello.ports.map((p) => [p.name, p.port, p.protocol]), [['grpc', 5000, 'GRPC']]);
    assert.deepEqual(hello.clusters, ['cluster1', 'cluster2']);
    assert.deepEqual(Object.keys(hello.clusterIPs), ['cluster1', 'cluster2']);
    assert.match(hello.clusterIPs.cluster2![0]!, /^127\.21\./);

    const mv = await getJson<MeshView>(url, '/debug/mesh');
    assert.deepEqual(mv.body.meshNetworks, { networks: {} });
    assert.deepEqual(mv.body.overridden, []);
    assert.deepEqual(mv.body.sources.map((s) => s.name), ['configmap istio-system/istio key meshNetworks']);
  });

  it('configz: the rules in force per host, what they shadow, route problems, and refused rules with the reason', async () => {
    const rule = (kind: string, name: string, spec: object, created?: string) => ({
      apiVersion: 'networking.istio.io/v1',
      kind,
      metadata: { name, namespace: 'sample', ...(created ? { creationTimestamp: created } : {}) },
      spec,
    });
    mesh.c1.create(rule('DestinationRule', 'hw', { host: 'helloworld', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }));
    mesh.c2.create(rule('DestinationRule', 'hw-too', { host: 'helloworld' }));
    mesh.c1.create(rule('VirtualService', 'hw', { hosts: ['helloworld'], http: [{ route: [{ destination: { host: 'helloworld', subset: 'v7' } }] }] }));
    mesh.c1.create(rule('VirtualService', 'broken', { hosts: ['other'], http: [{ route: [{ destination: { host: 'a' }, weight: 60 }, { destination: { host: 'b' }, weight: 30 }] }] }));
    type Configz = { hosts: { host: string; destinationRule?: { name: string; cluster: string; subsets: string[] }; virtualService?: { name: string }; shadowed: { kind: string; name: string }[]; routeProblems: { problem: string }[] }[]; refused: { cluster: string; kind: string; name: string; error: string }[] };
    let cz: Configz | undefined;
    await waitFor(async () => {
      cz = (await getJson<Configz>(url, '/debug/configz')).body;
      return cz.refused.length === 1 && (cz.hosts.find((h) => h.host === HELLO_HOST)?.shadowed.length ?? 0) === 1;
    }, 'the rules seen', { timeoutMs: 10_000 });
    const hw = cz!.hosts.find((h) => h.host === HELLO_HOST)!;
    assert.equal(hw.destinationRule?.cluster, 'cluster1', 'the older rule wins');
    assert.deepEqual(hw.destinationRule?.subsets, ['v1']);
    assert.deepEqual(hw.shadowed, [{ kind: 'DestinationRule', cluster: 'cluster2', namespace: 'sample', name: 'hw-too' }]);
    assert.equal(hw.virtualService?.name, 'hw');
    assert.match(hw.routeProblems[0]?.problem ?? '', /subset "v7" of helloworld\.sample\.svc\.cluster\.local is not defined/);
    assert.deepEqual(cz!.refused.map((r) => [r.cluster, r.kind, r.name]), [['cluster1', 'VirtualService', 'broken']]);
    assert.match(cz!.refused[0]!.error, /route weights add up to 90, not 100/);
    for (const [c, kind, name] of [[mesh.c1, 'DestinationRule', 'hw'], [mesh.c2, 'DestinationRule', 'hw-too'], [mesh.c1, 'VirtualService', 'hw'], [mesh.c1, 'VirtualService', 'broken']] as const) {
      c.delete('networking.istio.io/v1', kind, 'sample', name);
    }
  });

  it('a pod set not ready is left out as unhealthy (and its network gateway with it)', async () => {
    const v2 = helloPod(mesh.c2);
    const gw2 = gatewayIp(mesh.c2);
    mesh.c2.faults.setPodReady('sample', v2.name, false);
    try {
      await waitFor(async () => (await helloEdsz(url, 'network1')).leftOut.length === 1, 'v2 left out', { timeoutMs: 15_000 });
      const a = await helloEdsz(url, 'network1');
      assert.deepEqual(a.leftOut.map((x) => [x.endpoint, x.reason, x.network, x.cluster, x.pod]), [[`${v2.ip}:5000`, 'unhealthy', 'network2', 'cluster2', v2.name]]);
      assert.ok(!endpointsOf(a).includes(`${gw2}:15443`), 'no gateway for a network with nothing healthy behind it');
    } finally {
      mesh.c2.faults.setPodReady('sample', v2.name, true);
    }
    await waitFor(async () => endpointsOf(await helloEdsz(url, 'network1')).includes(`${gw2}:15443`), 'v2 back', { timeoutMs: 15_000 });
  });

  it('a refused remote Secret key shows in clusterz with the reason and is counted in /metrics', async () => {
    mesh.c1.create(secretObject('broken-secret', { cluster9: 'this is not a kubeconfig: [' }));
    try {
      await waitFor(async () => (await clusterz(url)).some((c) => c.id === 'cluster9'), 'refused entry', { timeoutMs: 15_000 });
      const all = await clusterz(url);
      const refused = all.find((c) => c.id === 'cluster9')!;
      assert.equal(refused.syncStatus, 'refused');
      assert.equal(refused.primary, false);
      assert.equal(refused.origin, 'secret');
      assert.deepEqual([refused.secretNamespace, refused.secretName, refused.secretKey], ['istio-system', 'broken-secret', 'cluster9']);
      assert.match(refused.lastError!, /secret istio-system\/broken-secret key cluster9: .*refused; cluster not added/);
      assert.equal(all.at(-1)!.id, 'cluster9', 'refused keys come after the registered clusters');
      assert.ok(!refused.lastError!.includes('this is not a kubeconfig'), 'no Secret content in the reason');
      const m = await metrics();
      assert.equal(sample(m, 'horizon_remote_secret_refusals_total'), 1);
      assert.equal(sample(m, 'horizon_clusters', { status: 'refused' }), 1);
      assert.equal(sample(m, 'horizon_clusters', { status: 'synced' }), 2);
    } finally {
      mesh.c1.delete('v1', 'Secret', 'istio-system', 'broken-secret');
    }
    await waitFor(async () => !(await clusterz(url)).some((c) => c.id === 'cluster9'), 'refused entry gone', { timeoutMs: 15_000 });
  });

  it('edsz?proxyID= returns what a connected proxy holds; adsz, syncz and config_dump show it', async () => {
    const alpha = newClient('sidecar~127.0.0.1~proxy-alpha.sample~sample.svc.cluster.local', 'network1');
    alpha.subscribe(EDS, [HELLO_CLA]);
    await alpha.waitFor(() => claAddresses(alpha).length === 2, 15_000, 'alpha has both endpoints');

    const r = await getJson<{ clusterName: string; endpoints: { lbEndpoints: { endpoint: { address: { socketAddress: { address: string; portValue: number } } } }[] }[] }[]>(
      url,
      '/debug/edsz?proxyID=proxy-alpha',
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 1);
    assert.equal(r.body[0]!.clusterName, HELLO_CLA);
    const fromDebug = r.body[0]!.endpoints.flatMap((g) => g.lbEndpoints.map((l) => `${l.endpoint.address.socketAddress.address}:${l.endpoint.address.socketAddress.portValue}`)).sort();
    assert.deepEqual(fromDebug, claAddresses(alpha), 'debug shows exactly what the client decoded');

    const ads = await getJson<{ totalClients: number; clients: AdszClient[] }>(url, '/debug/adsz');
    const me = ads.body.clients.find((c) => c.proxy.includes('proxy-alpha'))!;
    assert.deepEqual(me.watches[EDS], [HELLO_CLA]);
    assert.equal(me.network, 'network1');
    assert.equal(me.kind, 'sotw');
    assert.equal(me.client, 'envoy');
    assert.ok(ads.body.totalClients >= 1);

    await waitFor(async () => {
      const s = await getJson<SynczEntry[]>(url, '/debug/syncz');
      return s.body.find((e) => e.proxy.includes('proxy-alpha'))?.types.EDS?.synced === true;
    }, 'alpha acked', { timeoutMs: 10_000 });
    const sz = (await getJson<SynczEntry[]>(url, '/debug/syncz')).body.find((e) => e.proxy.includes('proxy-alpha'))!;
    assert.equal(sz.endpoint_sent, sz.endpoint_acked);
    assert.equal(sz.types.EDS!.sentVersion, sz.types.EDS!.ackedVersion);
    assert.equal(sz.network, 'network1');
    assert.equal(sz.cluster_id, 'cluster1');

    const dump = await getJson<ConfigDump>(url, '/debug/config_dump?proxyID=proxy-alpha');
    assert.equal(dump.status, 200);
    assert.deepEqual(dump.body.resources.EDS!.map((x) => [x.name, x.upToDate, x.resource['@type'], x.resource.clusterName]), [[HELLO_CLA, true, EDS, HELLO_CLA]]);

    // Ambiguity and absence are answered, not guessed.
    const beta = newClient('sidecar~127.0.0.1~proxy-beta.sample~sample.svc.cluster.local', 'network2');
    beta.subscribe(EDS, [HELLO_CLA]);
    await beta.waitFor(() => claAddresses(beta).length === 2, 15_000, 'beta has both endpoints');
    const both = await getJson<{ error: string; matches: string[] }>(url, '/debug/edsz?proxyID=proxy-');
    assert.equal(both.status, 400);
    assert.equal(both.body.matches.length, 2);
    assert.match(both.body.error, /matches 2 proxies/);
    const none = await getJson<{ error: string }>(url, '/debug/edsz?proxyID=no-such-proxy');
    assert.equal(none.status, 404);
    assert.match(none.body.error, /no connected proxy matches proxyID "no-such-proxy"/);
    assert.equal((await getJson(url, '/debug/edsz')).status, 400);
    assert.equal((await getJson(url, '/debug/edsz?proxyID=')).status, 400);
    assert.equal((await getJson(url, '/debug/config_dump')).status, 400);
  });

  it('/metrics parses and counts pushes, a NACK, connections, endpoints and event-to-send time', async () => {
    const before = await metrics();
    const nacksBefore = sample(before, 'horizon_xds_nacks_total', { type: 'EDS' }) ?? 0;
    const gamma = newClient('sidecar~127.0.0.1~proxy-gamma.sample~sample.svc.cluster.local', 'network1', false);
    gamma.subscribe(EDS, [HELLO_CLA]);
    await gamma.nextResponse((r) => r.typeUrl === EDS, 15_000);
    gamma.nack(EDS, 'rejected on purpose by the test');
    await waitFor(async () => {
      const s = await getJson<SynczEntry[]>(url, '/debug/syncz');
      return s.body.find((e) => e.proxy.includes('proxy-gamma'))?.types.EDS?.lastNack?.message === 'rejected on purpose by the test';
    }, 'NACK recorded', { timeoutMs: 10_000 });

    const m = await metrics();
    assert.equal(sample(m, 'horizon_xds_nacks_total', { type: 'EDS' }), nacksBefore + 1);
    assert.ok((sample(m, 'horizon_xds_pushes_total', { type: 'EDS', trigger: 'request' }) ?? 0) >= 3, 'one per subscribing client');
    assert.ok((sample(m, 'horizon_xds_push_bytes_total', { type: 'EDS' }) ?? 0) > 0);
    assert.ok((sample(m, 'horizon_xds_push_duration_seconds_count', { type: 'EDS' }) ?? 0) >= 3);
    assert.equal(sample(m, 'horizon_xds_connections', { kind: 'sotw', client: 'envoy' }), clients.length);
    assert.equal(sample(m, 'horizon_endpoints', { cluster: 'cluster2', network: 'network2' }), 1);
    assert.ok((sample(m, 'horizon_endpoints', { cluster: 'cluster1', network: 'network1' }) ?? 0) >= 1);
    assert.equal(sample(m, 'horizon_ready'), 1);

    // A watch event (a pod turning unready) reaches the subscribed clients: time from event to send is observed.
    const countBefore = sample(m, 'horizon_xds_event_to_send_seconds_count', { type: 'EDS' }) ?? 0;
    const v2 = helloPod(mesh.c2);
    mesh.c2.faults.setPodReady('sample', v2.name, false);
    try {
      await waitFor(async () => (sample(await metrics(), 'horizon_xds_event_to_send_seconds_count', { type: 'EDS' }) ?? 0) > countBefore, 'event-to-send observed', { timeoutMs: 15_000 });
      const after = await metrics();
      const sum = sample(after, 'horizon_xds_event_to_send_seconds_sum', { type: 'EDS' })!;
      assert.ok(sum >= 0 && sum < 60, `plausible event-to-send seconds (${sum})`);
      assert.ok((sample(after, 'horizon_xds_pushes_total', { type: 'EDS', trigger: 'push' }) ?? 0) >= 1);
    } finally {
      mesh.c2.faults.setPodReady('sample', v2.name, true);
    }
  });

  it('bad queries are 400 / 404 JSON with the reason, ?pretty indents, and odd input never takes the server down', async () => {
    const cases: [string, number, RegExp][] = [
      ['/debug/edsz?network=network1&host=helloworld', 400, /has no namespace/],
      ['/debug/edsz?network=network1&host=nosuch.sample', 404, /no service nosuch\.sample\.svc\.cluster\.local/],
      ['/debug/edsz?network=network1&host=helloworld.sample:5001', 404, /has no port 5001 \(its ports: 5000\)/],
      ['/debug/edsz?network=network1&port=abc', 400, /is not a port/],
      ['/debug/edsz?network=network1&cluster=garbage', 400, /not a cluster name/],
      ['/debug/edsz?network=network1&cluster=outbound|1||nope.ns.svc.cluster.local', 404, /no such cluster/],
      ['/debug/edsz?network=network1&host=helloworld.sample&subset=v9', 404, /no subset "v9"/],
      ['/debug/endpointz?host=%zz', 400, /has no namespace/],
      ['/debug/registryz?host=nosuch.ns', 404, /no service/],
      ['/debug/adsz?proxyID=nobody', 404, /no connected proxy/],
    ];
    for (const [path, status, error] of cases) {
      const r = await getJson<{ error: string }>(url, path);
      assert.equal(r.status, status, `${path}: ${r.text}`);
      assert.match(r.body.error, error, path);
    }
    const post = await getJson<{ error: string }>(url, '/debug/clusterz', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.match(post.body.error, /read-only/);
    const pretty = await getJson(url, '/debug/clusterz?pretty');
    assert.match(pretty.text, /^\[\n  \{\n    "id": "cluster1"/);
    const compact = await getJson(url, '/debug/clusterz');
    assert.ok(!compact.text.trimEnd().includes('\n'));

    for (const odd of ['//debug//', '/debug/../metrics', '/%00', `/${'x'.repeat(8000)}`, '/debug/edsz?network=%E0%A4%A&host=%', '/debug/edsz?network[]=1&proxyID']) {
      const r = await fetch(`${url}${odd}`);
      assert.ok(r.status >= 200 && r.status < 500, `${odd} -> ${r.status}`);
      await r.arrayBuffer();
    }
    // Not HTTP at all: answered 400 (or dropped), and the server carries on.
    await new Promise<void>((resolve) => {
      const s = connect(mesh.horizon.debug!.port, '127.0.0.1', () => s.end('GARBAGE \x00\x01 NOT HTTP\r\n\r\n'));
      s.on('data', (d) => assert.match(d.toString(), /^HTTP\/1\.1 400/));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    assert.equal((await getJson(url, '/healthz')).status, 200);
  });
});
