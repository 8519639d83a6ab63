import { strict as assert } from 'node:assert';
import { splitHorizon } from '../../src/split-horizon/index.js';
import {
  buildTopology,
  type ClusterService,
  type TopologyInputs,
  type TopologySnapshot,
} from '../../src/topology/index.js';
import { GatewayHostnameResolver } from '../../src/gateway-dns/index.js';
import { parseMeshNetworks } from '../../src/mesh-networks/index.js';
import { TestDnsServer } from '../gateway-dns/dns-test-server.js';
import { waitFor } from '../support/wait.js';

/** buildTopology takes validated meshNetworks (a failed parse is the sources' business). */
function valid(text: string) {
  const parsed = parseMeshNetworks(text);
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.value;
}

const eastwest = (cluster: string, network: string, ingress: { ip?: string; hostname?: string }[]): ClusterService => ({
  cluster,
  namespace: 'istio-system',
  name: 'istio-eastwestgateway',
  labels: { 'topology.istio.io/network': network },
  type: 'LoadBalancer',
  ports: [{ name: 'tls', port: 15443, nodePort: 31443 }],
  externalIPs: [],
  loadBalancerIngress: ingress,
});

describe('topology/buildTopology', () => {
  it('combines meshNetworks, namespace labels and Services into one snapshot', () => {
    const topology = buildTopology({
      meshNetworks: valid('networks:\n  network3:\n    endpoints: [{fromCidr: 10.30.0.0/16}]\n    gateways: [{address: 192.0.2.30, port: 15443}]\n'),
      systemNamespaceNetworks: new Map([['cluster1', 'network1']]),
      services: [eastwest('cluster2', 'network2', [{ ip: '172.18.0.20' }])],
      nodes: [],
      lookupHostname: () => undefined,
    });
    assert.deepEqual([...topology.gateways.keys()], ['network2', 'network3']);
    assert.equal(topology.allGateways.length, 2);
    assert.equal(topology.meshNetworks.networks[0]!.name, 'network3');
    assert.equal(topology.networks.networkOf({ cluster: 'cluster1', address: '10.30.0.1' }).network, 'network1');
    assert.equal(topology.networks.networkOf({ cluster: 'cluster9', address: '10.30.0.1' }).network, 'network3');
    assert.deepEqual(topology.problems, []);
  });

  describe('hostname gateways resolved through a real DNS server on loopback', () => {
    let dns: TestDnsServer;
    let resolver: GatewayHostnameResolver;
    beforeEach(async () => {
      dns = await TestDnsServer.start();
      resolver = new GatewayHostnameResolver({ servers: [dns.address], minTtlMs: 100, maxTtlMs: 1000, timeoutMs: 500, tries: 1 });
    });
    afterEach(async () => {
      resolver.stop();
      await dns.close();
    });

    it('an ELB hostname and a meshNetworks hostname become gateways once resolved, and follow DNS changes', async () => {
      dns.set('elb-123.eu-west-1.elb.example.com', { a: ['192.0.2.41', '192.0.2.40'], ttl: 0 });
      dns.set('gw.network3.example.com', { aaaa: ['2001:db8::30'], ttl: 0 });
      const inputs: TopologyInputs = {
        meshNetworks: valid('networks:\n  network3:\n    gateways: [{address: gw.network3.example.com, port: 443}]\n'),
        services: [eastwest('cluster2', 'network2', [{ hostname: 'elb-123.eu-west-1.elb.example.com' }])],
        nodes: [],
        lookupHostname: resolver.lookup,
      };
      // The loop Horizon runs: build, feed hostnames to the resolver, rebuild when an answer changes.
      let topology: TopologySnapshot = buildTopology(inputs);
      let rebuilds = 0;
      resolver.onChange(() => {
        topology = buildTopology(inputs);
        resolver.watch(topology.hostnames);
        rebuilds++;
      });
      assert.equal(topology.allGateways.length, 0);
      assert.deepEqual(topology.unresolvedHostnames, ['elb-123.eu-west-1.elb.example.com', 'gw.network3.example.com']);
      resolver.watch(topology.hostnames);

      await waitFor(() => topology.allGateways.length === 3, 'both hostnames to resolve');
      assert.deepEqual(
        topology.allGateways.map((g) => `${g.network} ${g.address}:${g.port} ${g.hostname}`),
        [
          'network2 192.0.2.40:15443 elb-123.eu-west-1.elb.example.com',
          'network2 192.0.2.41:15443 elb-123.eu-west-1.elb.example.com',
          'network3 2001:db8::30:443 gw.network3.example.com',
        ],
      );
      assert.deepEqual(topology.unresolvedHostnames, []);

      // The split-horizon decision uses them right away.
      const plan = splitHorizon({
        endpoints: [
          { address: '10.1.0.1', port: 5000, network: 'network1', cluster: 'cluster1', locality: { region: '', zone: '', subzone: '' }, health: 'healthy' },
          { address: '10.2.0.1', port: 5000, network: 'network2', cluster: 'cluster2', locality: { region: '', zone: '', subzone: '' }, health: 'healthy' },
        ],
        gateways: topology.gateways,
        view: { network: 'network1' },
      });
      assert.deepEqual(
        plan.groups.flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}=${e.loadBalancingWeight}`)),
        ['10.1.0.1:5000=2', '192.0.2.40:15443=1', '192.0.2.41:15443=1'],
      );

      // The load balancer moves: the next refresh sees it and the topology follows.
      const before = rebuilds;
      dns.set('elb-123.eu-west-1.elb.example.com', { a: ['192.0.2.42'], ttl: 0 });
      await waitFor(() => topology.gateways.get('network2')?.[0]?.address === '192.0.2.42', 'the new ELB address');
      assert.ok(rebuilds > before);
      assert.deepEqual(topology.gateways.get('network2')!.map((g) => g.address), ['192.0.2.42']);
    });
  });
});
