import { strict as assert } from 'node:assert';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { endpointsFromSlices, healthOf, localityOf, toServiceInfo } from '../../src/kube/convert.js';
import { protocolOf } from '../../src/kube/protocol.js';

describe('kube conversion', () => {
  it('protocol: appProtocol first, then the name prefix, then the transport', () => {
    const table: Array<[Parameters<typeof protocolOf>[0], string]> = [
      [{ name: 'grpc' }, 'GRPC'],
      [{ name: 'grpc-web' }, 'GRPC-Web'],
      [{ name: 'grpc-web-x' }, 'GRPC-Web'],
      [{ name: 'http2-api' }, 'HTTP2'],
      [{ name: 'https' }, 'HTTPS'],
      [{ name: 'tcp-db' }, 'TCP'],
      [{ name: 'tls' }, 'TLS'],
      [{ name: 'web' }, 'Unsupported'],
      [{ name: 'web', appProtocol: 'grpc' }, 'GRPC'],
      [{ name: 'http', appProtocol: 'kubernetes.io/h2c' }, 'HTTP2'],
      [{ name: 'grpc', protocol: 'UDP' }, 'UDP'],
      [{ name: '' }, 'Unsupported'],
    ];
    for (const [port, want] of table) assert.equal(protocolOf(port), want, JSON.stringify(port));
  });

  it('service: hostname, ports with protocol and node port, addresses (not the selector, which nothing reads)', () => {
    const svc: V1Service = {
      metadata: { name: 'gw', namespace: 'istio-system', labels: { a: 'b' }, annotations: { x: 'y' } },
      spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1', externalIPs: ['1.2.3.4'], selector: { app: 'gw' }, ports: [{ name: 'tls', port: 15443, targetPort: 15443 as never, nodePort: 31443 }] },
      status: { loadBalancer: { ingress: [{ ip: '5.6.7.8' }, { hostname: 'gw.example.com' }] } },
    };
    const info = toServiceInfo(svc, 'c1', 'cluster.local');
    assert.equal(info.hostname, 'gw.istio-system.svc.cluster.local');
    assert.deepEqual(info.ports, [{ name: 'tls', port: 15443, targetPort: 15443, nodePort: 31443, protocol: 'TLS' }]);
    assert.deepEqual(info.clusterIPs, ['10.0.0.1']);
    assert.deepEqual(info.externalIPs, ['1.2.3.4']);
    assert.deepEqual(info.loadBalancerIngress, [{ ip: '5.6.7.8' }, { hostname: 'gw.example.com' }]);
    assert.equal('selector' in info, false);
    assert.equal(info.type, 'LoadBalancer');
    assert.equal(toServiceInfo({ metadata: { name: 'h', namespace: 'n' }, spec: { clusterIP: 'None' } }, 'c1', 'cluster.local').clusterIPs.length, 0);
  });

  it('health: terminating wins, then ready (nil is ready)', () => {
    assert.equal(healthOf(undefined), 'healthy');
    assert.equal(healthOf({ ready: true }), 'healthy');
    assert.equal(healthOf({ ready: false }), 'unhealthy');
    assert.equal(healthOf({ ready: false, serving: true, terminating: true }), 'terminating');
    assert.equal(healthOf({ ready: true, terminating: true }), 'terminating');
  });

  it('locality: the pod label istio-locality wins over node labels; the slice zone fills in', () => {
    const node = { labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': 'z', 'topology.istio.io/subzone': 's' } };
    assert.deepEqual(localityOf(undefined, node, 'other'), { region: 'r', zone: 'z', subzone: 's' });
    assert.deepEqual(localityOf({ labels: { 'istio-locality': 'a.b.c' } }, node, undefined), { region: 'a', zone: 'b', subzone: 'c' });
    assert.deepEqual(localityOf(undefined, undefined, 'zz'), { region: '', zone: 'zz', subzone: '' });
  });

  it('endpoints from slices: ports by name, pod labels, node locality, duplicates merged with the best health', () => {
    const slices: V1EndpointSlice[] = [
      {
        addressType: 'IPv4',
        metadata: { name: 's1', namespace: 'sample' },
        ports: [{ name: 'grpc', port: 5000 }],
        endpoints: [
          { addresses: ['10.0.0.2'], conditions: { ready: false }, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p2', namespace: 'sample' } },
          { addresses: ['10.0.0.1'], conditions: { ready: true }, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p1', namespace: 'sample' } },
        ],
      },
      {
        addressType: 'IPv4',
        metadata: { name: 's2', namespace: 'sample' },
        ports: [{ name: 'http', port: 8080 }],
        endpoints: [{ addresses: ['10.0.0.2'], conditions: { ready: true }, nodeName: 'n1', targetRef: { kind: 'Pod', name: 'p2', namespace: 'sample' } }],
      },
      { addressType: 'FQDN', metadata: { name: 's3', namespace: 'sample' }, ports: [{ name: 'grpc', port: 5000 }], endpoints: [{ addresses: ['example.com'] }] },
    ];
    const pods: Record<string, { labels: Record<string, string> }> = { p1: { labels: { version: 'v1' } }, p2: { labels: { version: 'v2', 'topology.istio.io/network': 'nw9' } } };
    const eps = endpointsFromSlices('c1', 'sample', slices, {
      pod: (_ns, name) => pods[name],
      node: () => ({ labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z1' } }),
    });
    assert.deepEqual(
      eps.map((e) => [e.address, e.ports, e.health, e.podName, e.labels.version, e.locality.zone]),
      [
        ['10.0.0.1', { grpc: 5000 }, 'healthy', 'p1', 'v1', 'z1'],
        ['10.0.0.2', { grpc: 5000, http: 8080 }, 'healthy', 'p2', 'v2', 'z1'],
      ],
    );
  });
});
