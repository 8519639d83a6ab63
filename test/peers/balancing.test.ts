// How each client kind spreads calls over an assignment (src/peers/balancing.ts), and the proto3 JSON
// that grpc-go prints read into the same shape.
import { strict as assert } from 'node:assert';
import { addressShares, sharesBy } from '../../src/peers/balancing.js';
import { claFromProtoJson } from '../../src/peers/grpc-go-client.js';
import { istiodCommand } from '../../src/peers/istiod-command.js';
import type { DecodedClusterLoadAssignment, DecodedLbEndpoint } from '../../src/xds/resources/index.js';

const ep = (address: string, weight?: number, healthStatus: DecodedLbEndpoint['healthStatus'] = 'HEALTHY'): DecodedLbEndpoint => ({
  address,
  port: 5000,
  healthStatus,
  ...(weight !== undefined ? { loadBalancingWeight: weight } : {}),
});
const group = (zone: string, lbEndpoints: DecodedLbEndpoint[], weight?: number, priority = 0) => ({
  locality: { region: 'r', zone, subzone: '' },
  priority,
  lbEndpoints,
  ...(weight !== undefined ? { loadBalancingWeight: weight } : {}),
});
const cla = (...endpoints: DecodedClusterLoadAssignment['endpoints']): DecodedClusterLoadAssignment => ({ clusterName: 'c', endpoints });
const rounded = (m: Map<string, number>) => Object.fromEntries([...m].map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));

describe('peers: how each client kind balances an assignment', () => {
  it('Envoy goes by endpoint weight across localities and ignores locality weights', () => {
    const a = cla(group('a', [ep('10.0.0.1', 2)], 100), group('b', [ep('10.0.0.2', 1), ep('10.0.0.3', 1)], 1));
    assert.deepEqual(rounded(addressShares(a, 'envoy')), { '10.0.0.1:5000': 0.5, '10.0.0.2:5000': 0.25, '10.0.0.3:5000': 0.25 });
  });

  it('proxyless gRPC picks a locality by its weight, then round-robins and ignores endpoint weights', () => {
    const a = cla(group('a', [ep('10.0.0.1', 2)], 3), group('b', [ep('10.0.0.2', 9), ep('10.0.0.3', 1)], 1));
    assert.deepEqual(rounded(addressShares(a, 'proxyless')), { '10.0.0.1:5000': 0.75, '10.0.0.2:5000': 0.125, '10.0.0.3:5000': 0.125 });
    assert.deepEqual(rounded(addressShares(a, 'proxyless', { endpointWeightsInLocality: true })), { '10.0.0.1:5000': 0.75, '10.0.0.2:5000': 0.225, '10.0.0.3:5000': 0.025 }, 'what the server meant');
  });

  it('a locality without weight gets nothing from proxyless gRPC', () => {
    const a = cla(group('a', [ep('10.0.0.1')], 1), group('b', [ep('10.0.0.2')]));
    assert.deepEqual(rounded(addressShares(a, 'proxyless')), { '10.0.0.1:5000': 1 });
    assert.deepEqual(rounded(addressShares(a, 'envoy')), { '10.0.0.1:5000': 0.5, '10.0.0.2:5000': 0.5 });
  });

  it('Envoy keeps only the first of an address listed in two localities (istio/istio#56355)', () => {
    // A gateway standing for 2 endpoints in zone a and 1 in zone b, listed once per locality.
    const a = cla(group('local', [ep('10.0.0.1', 1)], 1), group('a', [ep('192.0.2.1', 2)], 2), group('b', [ep('192.0.2.1', 1)], 1));
    assert.deepEqual(rounded(addressShares(a, 'envoy')), { '10.0.0.1:5000': 0.333333, '192.0.2.1:5000': 0.666667 });
    assert.deepEqual(rounded(addressShares(a, 'proxyless')), { '10.0.0.1:5000': 0.25, '192.0.2.1:5000': 0.75 });
    assert.deepEqual(rounded(addressShares(a, 'envoy', { countDuplicates: true })), { '10.0.0.1:5000': 0.25, '192.0.2.1:5000': 0.75 }, 'what the server meant');
  });

  it('only the best priority with usable endpoints counts, unhealthy endpoints never', () => {
    const a = cla(group('a', [ep('10.0.0.1', 1, 'UNHEALTHY')], 1, 0), group('b', [ep('10.0.0.2'), ep('10.0.0.3', 1, 'DRAINING')], 1, 1), group('c', [ep('10.0.0.4')], 1, 2));
    assert.deepEqual(rounded(addressShares(a, 'envoy')), { '10.0.0.2:5000': 1 });
    assert.deepEqual(rounded(addressShares(a, 'proxyless')), { '10.0.0.2:5000': 1 });
    assert.equal(addressShares(cla(), 'envoy').size, 0);
  });

  it('sums shares by a classification', () => {
    const s = new Map([['a:1', 0.25], ['b:1', 0.25], ['c:1', 0.5]]);
    assert.deepEqual(Object.fromEntries(sharesBy(s, (k) => (k === 'c:1' ? 'network2' : 'network1'))), { network1: 0.5, network2: 0.5 });
  });

  it('reads proto3 JSON assignments (grpc-go protojson) into the decoded shape', () => {
    const d = claFromProtoJson({
      clusterName: 'outbound|5000||h.s.svc.cluster.local',
      endpoints: [{ locality: { region: 'r', zone: 'z', subZone: 's' }, loadBalancingWeight: 3, lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 5000 } } }, healthStatus: 'HEALTHY', loadBalancingWeight: 3 }] }],
    });
    assert.deepEqual(d, {
      clusterName: 'outbound|5000||h.s.svc.cluster.local',
      endpoints: [{ locality: { region: 'r', zone: 'z', subzone: 's' }, loadBalancingWeight: 3, priority: 0, lbEndpoints: [{ address: '10.0.0.1', port: 5000, loadBalancingWeight: 3, healthStatus: 'HEALTHY' }] }],
    });
  });
});

describe('peers: the istiod command line', () => {
  it('binds loopback, turns off CA, webhooks and the mTLS port, and sets debounce only when asked', () => {
    const c = istiodCommand({ kubeconfig: '/k', clusterId: 'cluster1', ports: { grpc: 1, http: 2, monitoring: 3 } });
    const flag = (name: string) => c.args[c.args.indexOf(name) + 1];
    assert.equal(c.args[0], 'discovery');
    assert.equal(flag('--grpcAddr'), '127.0.0.1:1');
    assert.equal(flag('--httpAddr'), '127.0.0.1:2');
    assert.equal(flag('--monitoringAddr'), '127.0.0.1:3');
    assert.equal(flag('--secureGRPCAddr'), '');
    assert.equal(flag('--httpsAddr'), '');
    assert.equal(flag('--clusterID'), 'cluster1');
    assert.equal(c.env.ENABLE_CA_SERVER, 'false');
    assert.equal(c.env.POD_NAMESPACE, 'istio-system');
    assert.equal(c.env.PILOT_DEBOUNCE_AFTER, undefined);
    const d = istiodCommand({ kubeconfig: '/k', clusterId: 'c', ports: { grpc: 1, http: 2, monitoring: 3 }, debounce: { afterMs: 5, maxMs: 50 }, env: { ENABLE_CA_SERVER: 'true' } });
    assert.equal(d.env.PILOT_DEBOUNCE_AFTER, '5ms');
    assert.equal(d.env.PILOT_DEBOUNCE_MAX, '50ms');
    assert.equal(d.env.ENABLE_CA_SERVER, 'true', 'extra env is applied last');
  });
});
