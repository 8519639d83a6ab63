import { strict as assert } from 'node:assert';
import type { MeshModel } from '../../src/mesh/mesh-model.js';
import type { DestinationRule, VirtualService } from '../../src/model/istio-config.js';
import type { ServiceInfo } from '../../src/model/types.js';
import { IstioConfigIndex } from '../../src/xds/generators/istio-config-index.js';
import { RouteBuilder } from '../../src/xds/generators/rds.js';

const H = 'helloworld.sample.svc.cluster.local';
const MULTI = 'multi.sample.svc.cluster.local';

function service(hostname: string, ports: number[]): ServiceInfo {
  const [name = '', namespace = ''] = hostname.split('.');
  return { hostname, name, namespace, cluster: 'c1', type: 'ClusterIP', ports: ports.map((port) => ({ name: `grpc-${port}`, port, protocol: 'GRPC' })), clusterIPs: [], externalIPs: [], loadBalancerIngress: [], labels: {}, annotations: {} };
}

// The route builder reads only these two things of the mesh.
const mesh = {
  domain: 'cluster.local',
  serviceInstances: (h: string) => ({ [H]: [service(H, [5000])], [MULTI]: [service(MULTI, [5000, 6000])] })[h] ?? [],
} as unknown as MeshModel;

const meta = { cluster: 'c1', namespace: 'sample', creationTimestamp: '2026-01-01T00:00:00Z' };
const dr: DestinationRule = { ...meta, name: 'hw', host: H, subsets: [{ name: 'v1', labels: { version: 'v1' } }, { name: 'v2', labels: { version: 'v2' } }], trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true } } } };

function build(vs: Omit<VirtualService, keyof typeof meta | 'name' | 'gateways'>, host = H, proxyless = true) {
  const config = new IstioConfigIndex({ destinationRules: [dr], virtualServices: [{ ...meta, name: 'hw-vs', gateways: [], ...vs }], systemNamespace: 'istio-system', clusterOrder: ['c1'] });
  return new RouteBuilder(mesh, config, proxyless).build(host, 5000)!;
}

describe('routes from VirtualServices', () => {
  it('no VirtualService: the default route to the service (with the DestinationRule hash policy for proxyless)', () => {
    const config = new IstioConfigIndex({ destinationRules: [dr], virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1'] });
    const r = new RouteBuilder(mesh, config, true).build(H, 5000)!;
    assert.deepEqual(r.input.virtualHosts[0]!.routes, [{ name: 'default', match: { prefix: '/' }, action: { cluster: `outbound|5000||${H}` }, hashPolicy: [{ filterState: 'io.grpc.channel_id' }] }]);
    assert.equal(new RouteBuilder(mesh, config, false).build(H, 5000)!.input.virtualHosts[0]!.routes[0]!.hashPolicy, undefined, 'Envoy: no source-IP hash through this encoder');
    assert.equal(new RouteBuilder(mesh, config, true).build(H, 5001), undefined, 'no such port');
  });

  it('ORed matches become one route each; weights split between subsets; timeouts; case-insensitive URIs', () => {
    const r = build({
      hosts: [H],
      http: [
        { name: 'canary', match: [{ headers: { 'x-canary': { exact: 'yes' } } }, { uri: { prefix: '/Hello', }, ignoreUriCase: true }], route: [{ destination: { host: H, subset: 'v2' } }], timeout: '2.5s' },
        { route: [{ destination: { host: H, subset: 'v1' }, weight: 90 }, { destination: { host: H, subset: 'v2' }, weight: 10 }] },
      ],
    });
    const routes = r.input.virtualHosts[0]!.routes;
    assert.equal(routes.length, 3);
    assert.deepEqual(routes[0]!.match, { prefix: '/', headers: [{ name: 'x-canary', exact: 'yes' }] });
    assert.deepEqual(routes[1]!.match, { prefix: '/Hello', caseSensitive: false });
    assert.deepEqual(routes[0]!.action, { cluster: `outbound|5000|v2|${H}` });
    assert.equal(routes[0]!.timeoutMs, 2500);
    assert.deepEqual(routes[2]!.action, { weightedClusters: [{ name: `outbound|5000|v1|${H}`, weight: 90 }, { name: `outbound|5000|v2|${H}`, weight: 10 }] });
    assert.equal(routes[2]!.hashPolicy, undefined, 'no hash policy over several destinations');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.virtualService, { cluster: 'c1', namespace: 'sample', name: 'hw-vs' });
  });

  it('destination ports: explicit, the only one, the listener port; otherwise a reported problem', () => {
    const r = build({
      hosts: [H],
      http: [
        { match: [{ uri: { exact: '/a' } }], route: [{ destination: { host: MULTI, port: 6000 } }] },
        { match: [{ uri: { exact: '/b' } }], route: [{ destination: { host: MULTI } }] },
        { match: [{ uri: { exact: '/c' } }], route: [{ destination: { host: H } }] },
      ],
    });
    assert.deepEqual(
      r.input.virtualHosts[0]!.routes.map((x) => x.action),
      [{ cluster: `outbound|6000||${MULTI}` }, { cluster: `outbound|5000||${MULTI}` }, { cluster: `outbound|5000||${H}` }],
    );
  });

  it('problems are reported, not hidden: an undefined subset, a bad timeout, no positive weight', () => {
    const r = build({
      hosts: [H],
      http: [
        { route: [{ destination: { host: H, subset: 'v9' } }], timeout: 'soon' },
        { route: [{ destination: { host: H, subset: 'v1' }, weight: 0 }, { destination: { host: H, subset: 'v2' }, weight: 0 }] },
      ],
    });
    const problems = r.problems.map((p) => p.problem);
    assert.ok(problems.some((p) => /subset "v9" .* not defined/.test(p)), problems.join('; '));
    assert.ok(problems.some((p) => /timeout "soon" is not a duration/.test(p)), problems.join('; '));
    assert.ok(problems.some((p) => /no destination with a positive weight/.test(p)), problems.join('; '));
    assert.equal(r.input.virtualHosts[0]!.routes.length, 1, 'the route without weight is left out');
  });
});
