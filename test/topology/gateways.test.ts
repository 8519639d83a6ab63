import { strict as assert } from 'node:assert';
import type { Gateway } from '../../src/model/types.js';
import {
  collectGateways,
  type ClusterNode,
  type ClusterService,
  type GatewayCollection,
  type MeshNetworks,
} from '../../src/topology/index.js';
import { parseMeshNetworks } from '../../src/mesh-networks/index.js';

function svc(cluster: string, name: string, spec: Partial<ClusterService> = {}): ClusterService {
  return {
    cluster,
    namespace: 'istio-system',
    name,
    labels: {},
    type: 'LoadBalancer',
    ports: [{ name: 'tls', port: 15443, nodePort: 31443 }],
    externalIPs: [],
    loadBalancerIngress: [],
    ...spec,
  };
}

function eastwest(cluster: string, network: string, spec: Partial<ClusterService> = {}): ClusterService {
  return svc(cluster, 'istio-eastwestgateway', { ...spec, labels: { 'topology.istio.io/network': network, ...spec.labels } });
}

function node(cluster: string, name: string, addresses: [string, string][], labels: Record<string, string> = {}): ClusterNode {
  return { cluster, name, addresses: addresses.map(([type, address]) => ({ type, address })), labels };
}

function mesh(text: string): MeshNetworks {
  const result = parseMeshNetworks(text);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.value;
}

const noDns = () => undefined;

function collect(opts: { services?: ClusterService[]; nodes?: ClusterNode[]; meshNetworks?: string; dns?: Record<string, string[]> }): GatewayCollection {
  return collectGateways({
    services: opts.services ?? [],
    nodes: opts.nodes ?? [],
    meshNetworks: opts.meshNetworks ? mesh(opts.meshNetworks) : { networks: [] },
    lookupHostname: opts.dns ? (h) => opts.dns![h] : noDns,
  });
}

/** `network address:port cluster source` per gateway: compact to compare. */
function brief(gateways: readonly Gateway[]): string[] {
  return gateways.map((g) => `${g.network} ${g.address}:${g.port} ${g.cluster || '-'} ${g.source}${g.hostname ? ` (${g.hostname})` : ''}`);
}

describe('topology/collectGateways: every gateway source', () => {
  it('a labelled LoadBalancer Service: its ingress IP on port 15443', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ ip: '172.18.0.20' }] })] });
    assert.deepEqual(out.gateways, [
      { network: 'network2', address: '172.18.0.20', port: 15443, cluster: 'cluster2', source: 'service', origin: 'cluster2/istio-system/istio-eastwestgateway' },
    ]);
    assert.deepEqual([...out.byNetwork.keys()], ['network2']);
    assert.deepEqual(out.problems, []);
  });

  it('an ingress hostname goes through the hostname lookup: one gateway per resolved address', () => {
    const out = collect({
      services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ hostname: 'ELB-1.example.com' }] })],
      dns: { 'elb-1.example.com': ['192.0.2.51', '192.0.2.50'] },
    });
    assert.deepEqual(brief(out.gateways), [
      'network2 192.0.2.50:15443 cluster2 service (elb-1.example.com)',
      'network2 192.0.2.51:15443 cluster2 service (elb-1.example.com)',
    ]);
    assert.deepEqual(out.hostnames, ['elb-1.example.com']);
    assert.deepEqual(out.unresolved, []);
  });

  it('an unresolved hostname yields no gateway (yet) and is reported', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ hostname: 'elb.example.com' }] })] });
    assert.deepEqual(out.gateways, []);
    assert.deepEqual(out.hostnames, ['elb.example.com']);
    assert.deepEqual(out.unresolved, ['elb.example.com']);
    assert.match(out.problems[0]!.message, /gateway hostname elb\.example\.com has no resolved address yet/);
  });

  it('spec.externalIPs, on the service port, next to the ingress address', () => {
    const out = collect({
      services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ ip: '172.18.0.20' }], externalIPs: ['198.51.100.7'] })],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.20:15443 cluster2 service', 'network2 198.51.100.7:15443 cluster2 service']);
  });

  it('externalIPs make a ClusterIP Service a usable gateway', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { type: 'ClusterIP', ports: [{ name: 'tls', port: 15443 }], externalIPs: ['198.51.100.7'] })] });
    assert.deepEqual(brief(out.gateways), ['network2 198.51.100.7:15443 cluster2 service']);
  });

  it('networking.istio.io/gatewayPort chooses the service port', () => {
    const out = collect({
      services: [
        eastwest('cluster2', 'network2', {
          labels: { 'networking.istio.io/gatewayPort': '443' },
          ports: [
            { name: 'tls', port: 15443 },
            { name: 'https', port: 443 },
          ],
          loadBalancerIngress: [{ ip: '172.18.0.20' }],
        }),
      ],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.20:443 cluster2 service']);
  });

  it('a bad gatewayPort label falls back to 15443, with a warning', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { labels: { 'networking.istio.io/gatewayPort': 'tls' }, loadBalancerIngress: [{ ip: '172.18.0.20' }] })] });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.20:15443 cluster2 service']);
    assert.match(out.problems[0]!.message, /networking\.istio\.io\/gatewayPort="tls" is not a port number; using 15443/);
  });

  it('a labelled Service without the gateway port is not a gateway, and says why', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { ports: [{ name: 'http', port: 80 }], loadBalancerIngress: [{ ip: '172.18.0.20' }] })] });
    assert.deepEqual(out.gateways, []);
    assert.equal(out.problems[0]!.subject, 'service cluster2/istio-system/istio-eastwestgateway');
    assert.match(out.problems[0]!.message, /labelled as gateway of network "network2" but has no port 15443/);
  });

  it('a NodePort Service: node addresses (ExternalIP, else InternalIP as on kind) of its own cluster, on the node port', () => {
    const out = collect({
      services: [eastwest('cluster2', 'network2', { type: 'NodePort' })],
      nodes: [
        node('cluster2', 'worker-b', [['InternalIP', '172.18.0.3']]),
        node('cluster2', 'worker-a', [
          ['InternalIP', '172.18.0.2'],
          ['ExternalIP', '203.0.113.2'],
        ]),
        node('cluster2', 'hostname-only', [['Hostname', 'worker-c']]),
        node('cluster1', 'other-cluster', [['InternalIP', '172.17.0.2']]),
      ],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.3:31443 cluster2 service', 'network2 203.0.113.2:31443 cluster2 service']);
    assert.deepEqual(
      out.gateways.map((g) => g.origin),
      ['cluster2/istio-system/istio-eastwestgateway via node worker-b', 'cluster2/istio-system/istio-eastwestgateway via node worker-a'],
    );
  });

  it('traffic.istio.io/nodeSelector restricts the nodes; a malformed one is reported and ignored', () => {
    const nodes = [node('cluster2', 'n1', [['InternalIP', '172.18.0.2']], { role: 'edge' }), node('cluster2', 'n2', [['InternalIP', '172.18.0.3']])];
    const selected = collect({ services: [eastwest('cluster2', 'network2', { type: 'NodePort', annotations: { 'traffic.istio.io/nodeSelector': '{"role":"edge"}' } })], nodes });
    assert.deepEqual(brief(selected.gateways), ['network2 172.18.0.2:31443 cluster2 service']);
    const malformed = collect({ services: [eastwest('cluster2', 'network2', { type: 'NodePort', annotations: { 'traffic.istio.io/nodeSelector': 'role=edge' } })], nodes });
    assert.equal(malformed.gateways.length, 2);
    assert.match(malformed.problems[0]!.message, /traffic\.istio\.io\/nodeSelector is not a JSON map of node labels/);
  });

  it('a LoadBalancer Service whose load balancer is still pending: node addresses on the node port', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2')], nodes: [node('cluster2', 'n1', [['InternalIP', '172.18.0.2']])] });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.2:31443 cluster2 service']);
  });

  it('a NodePort Service in a cluster without usable nodes: reported, no gateway', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { type: 'NodePort' })] });
    assert.deepEqual(out.gateways, []);
    assert.match(out.problems[0]!.message, /no node of cluster cluster2 has an ExternalIP or InternalIP/);
  });

  it('a labelled ClusterIP Service without externalIPs: reported, no gateway', () => {
    const out = collect({ services: [eastwest('cluster2', 'network2', { type: 'ClusterIP', ports: [{ name: 'tls', port: 15443 }] })] });
    assert.deepEqual(out.gateways, []);
    assert.match(out.problems[0]!.message, /ClusterIP service without externalIPs is not reachable from other networks/);
  });

  it('Services without the network label are not gateways', () => {
    const out = collect({ services: [svc('cluster2', 'istio-ingressgateway', { loadBalancerIngress: [{ ip: '172.18.0.9' }] })] });
    assert.deepEqual(out.gateways, []);
    assert.deepEqual(out.problems, []);
  });

  it('meshNetworks address: an IP is used as is, with no cluster', () => {
    const out = collect({ meshNetworks: 'networks:\n  network2:\n    gateways: [{address: 192.0.2.10, port: 15443}]\n' });
    assert.deepEqual(out.gateways, [{ network: 'network2', address: '192.0.2.10', port: 15443, cluster: '', source: 'meshNetworks', origin: 'meshNetworks network2 gateway 0' }]);
  });

  it('meshNetworks address: a hostname goes through the lookup', () => {
    const out = collect({
      meshNetworks: 'networks:\n  network2:\n    gateways: [{address: gw.example.com, port: 443}]\n',
      dns: { 'gw.example.com': ['2001:db8::5', '192.0.2.5'] },
    });
    assert.deepEqual(brief(out.gateways), ['network2 192.0.2.5:443 - meshNetworks (gw.example.com)', 'network2 2001:db8::5:443 - meshNetworks (gw.example.com)']);
  });

  it('meshNetworks registryServiceName: the Service in the clusters of the same network\'s fromRegistry only', () => {
    const text = [
      'networks:',
      '  network2:',
      '    endpoints: [{fromRegistry: cluster2}]',
      '    gateways: [{registryServiceName: istio-ingressgateway.istio-system.svc.cluster.local, port: 443}]',
      '',
    ].join('\n');
    const out = collect({
      meshNetworks: text,
      services: [
        svc('cluster2', 'istio-ingressgateway', { ports: [{ name: 'https', port: 443 }], loadBalancerIngress: [{ ip: '172.18.0.30' }] }),
        // Same name in a cluster network2 does not list: not a gateway of network2.
        svc('cluster3', 'istio-ingressgateway', { ports: [{ name: 'https', port: 443 }], loadBalancerIngress: [{ ip: '172.19.0.30' }] }),
      ],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.30:443 cluster2 meshNetworks-registryServiceName']);
    assert.equal(out.gateways[0]!.origin, 'meshNetworks network2 gateway 0 -> cluster2/istio-system/istio-ingressgateway');
  });

  it('meshNetworks registryServiceName on a NodePort Service: node addresses with the node port of that port', () => {
    const out = collect({
      meshNetworks: 'networks:\n  network2:\n    endpoints: [{fromRegistry: cluster2}]\n    gateways: [{registryServiceName: gw.istio-system.svc.cluster.local, port: 15443}]\n',
      services: [svc('cluster2', 'gw', { type: 'NodePort', ports: [{ name: 'tls', port: 15443, nodePort: 30443 }] })],
      nodes: [node('cluster2', 'n1', [['InternalIP', '172.18.0.2']])],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.2:30443 cluster2 meshNetworks-registryServiceName']);
  });

  it('meshNetworks registryServiceName without fromRegistry, or not found: reported', () => {
    const none = collect({ meshNetworks: 'networks:\n  network2:\n    gateways: [{registryServiceName: gw.istio-system.svc.cluster.local, port: 1}]\n' });
    assert.deepEqual(none.gateways, []);
    assert.match(none.problems[0]!.message, /counts only in clusters the network lists in fromRegistry, and it lists none/);
    const missing = collect({ meshNetworks: 'networks:\n  network2:\n    endpoints: [{fromRegistry: c2}]\n    gateways: [{registryServiceName: gw.istio-system.svc.cluster.local, port: 1}]\n' });
    assert.match(missing.problems[0]!.message, /registryServiceName gw\.istio-system\.svc\.cluster\.local not found in cluster\(s\) c2/);
  });

  it('the same gateway from two sources is one gateway, the Service one (it knows its cluster)', () => {
    const out = collect({
      meshNetworks: 'networks:\n  network2:\n    gateways: [{address: 172.18.0.20, port: 15443}]\n',
      services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ ip: '172.18.0.20' }] })],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.20:15443 cluster2 service']);
  });

  it('one address:port claimed by two networks: kept for the first network by name, reported as an error', () => {
    const out = collect({
      meshNetworks: 'networks:\n  network3:\n    gateways: [{address: 172.18.0.20, port: 15443}]\n',
      services: [eastwest('cluster2', 'network2', { loadBalancerIngress: [{ ip: '172.18.0.20' }] })],
    });
    assert.deepEqual(brief(out.gateways), ['network2 172.18.0.20:15443 cluster2 service']);
    assert.equal(out.problems[0]!.severity, 'error');
    assert.match(out.problems[0]!.message, /claimed by networks "network2" .* and "network3"; kept for "network2"/);
  });

  it('the union of all sources, sorted by network, address, port, whatever the input order', () => {
    const services = [
      eastwest('cluster2', 'network2', { loadBalancerIngress: [{ ip: '172.18.0.20' }] }),
      eastwest('cluster1', 'network1', { type: 'NodePort' }),
      svc('cluster2', 'ingress', { ports: [{ name: 'https', port: 443 }], externalIPs: ['198.51.100.1'] }),
    ];
    const nodes = [node('cluster1', 'n1', [['InternalIP', '172.17.0.2']]), node('cluster1', 'n2', [['InternalIP', '172.17.0.3']])];
    const meshNetworks = [
      'networks:',
      '  network2:',
      '    endpoints: [{fromRegistry: cluster2}]',
      '    gateways: [{registryServiceName: ingress.istio-system.svc.cluster.local, port: 443}, {address: 192.0.2.99, port: 15443}]',
      '',
    ].join('\n');
    const expected = [
      'network1 172.17.0.2:31443 cluster1 service',
      'network1 172.17.0.3:31443 cluster1 service',
      'network2 172.18.0.20:15443 cluster2 service',
      'network2 192.0.2.99:15443 - meshNetworks',
      'network2 198.51.100.1:443 cluster2 meshNetworks-registryServiceName',
    ];
    const out = collect({ services, nodes, meshNetworks });
    assert.deepEqual(brief(out.gateways), expected);
    assert.deepEqual(brief(out.byNetwork.get('network2')!), expected.slice(2));
    const reversed = collect({ services: [...services].reverse(), nodes: [...nodes].reverse(), meshNetworks });
    assert.deepEqual(reversed.gateways, out.gateways);
  });
});
