// Networks and gateways through a whole Horizon: the precedence of network sources on real
// endpoints, meshNetworks from a file (reloaded) and from the istio ConfigMap (watched), a broken
// edit keeping the last good topology, and a hostname gateway resolved through a DNS server on
// loopback, its change pushed to connected clients.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { TestDnsServer } from '../gateway-dns/dns-test-server.js';
import { claAddresses, HELLO_CLA, HELLO_HOST, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const gatewaysOf = (mesh: DemoMesh, network: string) => (mesh.horizon.mesh.gateways().get(network) ?? []).map((g) => `${g.address}:${g.port}`);
const networkOfHello = (mesh: DemoMesh, cluster: string) => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === cluster).map((e) => e.network);

describe('mesh networks through Horizon', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  let dns: TestDnsServer;
  let file: string;
  let dir: string;

  before(async () => {
    dns = await TestDnsServer.start();
    dns.set('gw.network9.example', { a: ['127.60.0.1'], ttl: 1 });
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-meshnetworks-'));
    file = path.join(dir, 'mesh-networks.yaml');
    await writeFile(file, 'networks:\n  network9:\n    endpoints: [{fromCidr: 127.10.0.0/16}]\n    gateways: [{address: 127.50.0.1, port: 15443}]\n');
    mesh = await startDemoMesh({ dnsServers: [dns.address], dnsMinTtlMs: 100, meshNetworksFile: file });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
    await dns?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('network precedence: pod label > system namespace label > fromRegistry > fromCidr', async () => {
    assert.deepEqual(networkOfHello(mesh, 'cluster1'), ['network1'], 'the namespace label beats fromCidr');
    mesh.c1.patch('v1', 'Namespace', '', 'istio-system', { metadata: { labels: { 'topology.istio.io/network': null } } }, 'merge');
    await waitFor(() => networkOfHello(mesh, 'cluster1')[0] === 'network9', 'fromCidr once the label is gone', { timeoutMs: 10_000 });
    await writeFile(file, 'networks:\n  network8:\n    endpoints: [{fromRegistry: cluster1}]\n  network9:\n    endpoints: [{fromCidr: 127.10.0.0/16}]\n    gateways: [{address: 127.50.0.1, port: 15443}]\n');
    await waitFor(() => networkOfHello(mesh, 'cluster1')[0] === 'network8', 'fromRegistry beats fromCidr', { timeoutMs: 10_000 });
    mesh.c1.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v1', { spec: { template: { metadata: { labels: { 'topology.istio.io/network': 'network7' } } } } }, 'merge');
    await waitFor(() => networkOfHello(mesh, 'cluster1').length === 1 && networkOfHello(mesh, 'cluster1')[0] === 'network7', 'the pod label beats all', { timeoutMs: 10_000 });
    mesh.c1.patch('v1', 'Namespace', '', 'istio-system', { metadata: { labels: { 'topology.istio.io/network': 'network1' } } }, 'merge');
  });

  it('a broken file keeps the last good topology and says where it is broken; fixed, it applies', async () => {
    await waitFor(() => gatewaysOf(mesh, 'network9').includes('127.50.0.1:15443'), 'file gateway', { timeoutMs: 10_000 });
    await writeFile(file, 'networks:\n  network9:\n    gateways: [{address: 127.50.0.2, port: 99999}]\n');
    const fileSource = () => mesh.horizon.meshNetworks.sources().find((s) => s.name.startsWith('file'))!;
    await waitFor(() => fileSource().error !== undefined, 'the error recorded', { timeoutMs: 10_000 });
    assert.match(fileSource().error!, /line 3, column \d+: .*port must be 1-65535/);
    assert.match(fileSource().error!, /keeping the last good config/);
    assert.deepEqual(gatewaysOf(mesh, 'network9'), ['127.50.0.1:15443'], 'last good topology kept');
    await writeFile(file, 'networks:\n  network9:\n    gateways: [{address: 127.50.0.2, port: 15443}]\n');
    await waitFor(() => gatewaysOf(mesh, 'network9').includes('127.50.0.2:15443') && fileSource().error === undefined, 'fixed file applied', { timeoutMs: 10_000 });
  });

  it('a 10 MB file of 100k networks is refused from its size, naming the limit and its flag; the last good topology stays', async () => {
    const fileSource = () => mesh.horizon.meshNetworks.sources().find((s) => s.name.startsWith('file'))!;
    const kept = 'networks:\n  network9:\n    gateways: [{address: 127.50.0.2, port: 15443}]\n';
    await waitFor(() => gatewaysOf(mesh, 'network9').includes('127.50.0.2:15443') && fileSource().error === undefined, 'the good file in effect', { timeoutMs: 10_000 });
    const big = `networks:\n${Array.from({ length: 100_000 }, (_, i) => `  network${i}:\n    endpoints: [{fromCidr: 10.${(i >> 8) & 255}.${i & 255}.0/24}]\n    gateways: [{address: 192.0.${(i >> 8) & 255}.${i & 255}, port: 15443}]`).join('\n')}\n`;
    await writeFile(file, big);
    const expected = new RegExp(`refused without reading it: limit exceeded: at most 1048576 bytes of a meshNetworks document \\(got ${Buffer.byteLength(big)}\\); raise it with --max-mesh-networks-bytes; keeping the last good config$`);
    await waitFor(() => expected.test(fileSource().error ?? ''), 'the refusal recorded', { timeoutMs: 10_000 });
    assert.deepEqual(gatewaysOf(mesh, 'network9'), ['127.50.0.2:15443'], 'last good topology kept');
    await waitFor(() => mesh.horizon.mesh.problems().some((p) => p.subject === 'meshNetworks' && expected.test(p.message)), 'a topology problem (/debug/networkz)', { timeoutMs: 10_000 });
    await writeFile(file, kept);
    await waitFor(() => fileSource().error === undefined && gatewaysOf(mesh, 'network9').includes('127.50.0.2:15443'), 'back to the good file', { timeoutMs: 10_000 });
  });

  it('meshNetworks from the istio ConfigMap, watched; a hostname gateway resolved by DNS, its change pushed', async () => {
    const client = new AdsClient({ address: mesh.horizon.xds.address, node: { id: 'watcher', metadata: { NETWORK: 'network1' } } });
    try {
      client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
      mesh.c1.create({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'istio', namespace: 'istio-system' },
        data: { meshNetworks: 'networks:\n  network5:\n    endpoints: [{fromRegistry: cluster2}]\n    gateways: [{address: gw.network9.example, port: 15443}]\n' },
      });
      await waitFor(() => gatewaysOf(mesh, 'network5').includes('127.60.0.1:15443'), 'hostname gateway resolved', { timeoutMs: 10_000 });
      const gw = mesh.horizon.mesh.gateways().get('network5')![0]!;
      assert.equal(gw.hostname, 'gw.network9.example');
      assert.equal(gw.source, 'meshNetworks');

      // cluster2 joins: its namespace label says network2, which has its own gateway; its endpoints follow the label.
      mesh.registerRemote();
      const addresses = () => claAddresses(client);
      await waitFor(() => addresses().includes('127.22.0.1:15443'), 'network2 gateway', { timeoutMs: 15_000 });
      // Take the label off cluster2's namespace: fromRegistry puts its endpoints on network5, behind the hostname gateway.
      mesh.c2.patch('v1', 'Namespace', '', 'istio-system', { metadata: { labels: { 'topology.istio.io/network': null } } }, 'merge');
      await waitFor(() => addresses().includes('127.60.0.1:15443'), 'network5 gateway (DNS answer) sent', { timeoutMs: 15_000 });
      dns.set('gw.network9.example', { a: ['127.60.0.2'], ttl: 1 });
      await waitFor(() => addresses().includes('127.60.0.2:15443') && !addresses().includes('127.60.0.1:15443'), 'new DNS answer pushed', { timeoutMs: 15_000 });

      mesh.c1.patch('v1', 'ConfigMap', 'istio-system', 'istio', { data: { meshNetworks: 'networks: [oops' } }, 'merge');
      const cmSource = () => mesh.horizon.meshNetworks.sources().find((s) => s.name.startsWith('configmap'))!;
      await waitFor(() => cmSource().error !== undefined, 'configmap error', { timeoutMs: 10_000 });
      assert.match(cmSource().error!, /line \d+, column \d+/);
      assert.ok(addresses().includes('127.60.0.2:15443'), 'last good kept');
    } finally {
      client.close();
    }
  });
});

describe('meshNetworks limits through Horizon (the ConfigMap path, limits given as options)', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  before(async () => {
    mesh = await startDemoMesh({ limits: { meshNetworksBytes: 2_000, meshNetworksNetworks: 3 } });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
  });

  it('a ConfigMap meshNetworks over the byte or network limit is refused, naming the limit and its flag; the last good one stays', async () => {
    const cmSource = () => mesh.horizon.meshNetworks.sources().find((s) => s.name.startsWith('configmap'))!;
    const configMap = (meshNetworks: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { meshNetworks } });
    mesh.c1.create(configMap('networks:\n  network5:\n    gateways: [{address: 127.50.0.5, port: 15443}]\n'));
    await waitFor(() => gatewaysOf(mesh, 'network5').includes('127.50.0.5:15443'), 'the good ConfigMap in effect', { timeoutMs: 10_000 });

    const tooBig = `networks:\n  network5:\n    gateways: [{address: 127.50.0.6, port: 15443}]\n${'#'.repeat(2_000)}\n`;
    mesh.c1.patch('v1', 'ConfigMap', 'istio-system', 'istio', { data: { meshNetworks: tooBig } }, 'merge');
    await waitFor(() => cmSource().error !== undefined, 'the refusal recorded', { timeoutMs: 10_000 });
    assert.equal(
      cmSource().error,
      `configmap istio-system/istio key meshNetworks: refused before parsing: limit exceeded: at most 2000 bytes of a meshNetworks document (got ${Buffer.byteLength(tooBig)}); raise it with --max-mesh-networks-bytes; keeping the last good config`,
    );
    assert.deepEqual(gatewaysOf(mesh, 'network5'), ['127.50.0.5:15443']);

    const tooMany = 'networks: {a: {}, b: {}, c: {}, d: {}}\n';
    mesh.c1.patch('v1', 'ConfigMap', 'istio-system', 'istio', { data: { meshNetworks: tooMany } }, 'merge');
    await waitFor(() => /networks in a meshNetworks document/.test(cmSource().error ?? ''), 'the second refusal recorded', { timeoutMs: 10_000 });
    assert.match(cmSource().error!, /line 1, column 11: networks: limit exceeded: at most 3 networks in a meshNetworks document \(got 4\); raise it with --max-mesh-networks-networks; keeping the last good config$/);
    assert.deepEqual(gatewaysOf(mesh, 'network5'), ['127.50.0.5:15443']);
  });
});
