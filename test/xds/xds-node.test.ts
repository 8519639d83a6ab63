import { strict as assert } from 'node:assert';
import { networkViewOf, parseNode, viewKeyOf } from '../../src/xds/xds-node.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';

describe('xds node info', () => {
  it('reads Istio metadata: network, cluster, generator, requested networks, namespace, labels', () => {
    const n = parseNode({
      id: 'hw-1',
      metadata: jsonToStruct({
        NETWORK: 'network1',
        CLUSTER_ID: 'cluster1',
        GENERATOR: 'grpc',
        REQUESTED_NETWORK_VIEW: 'network2,network1,,network2',
        NAMESPACE: 'sample',
        LABELS: { app: 'helloworld', n: 3 },
      }),
      locality: { region: 'r', zone: 'z', subZone: 's' },
    });
    assert.equal(n.network, 'network1');
    assert.equal(n.clusterId, 'cluster1');
    assert.equal(n.generator, 'grpc');
    assert.equal(n.proxyless, true);
    assert.deepEqual(n.requestedNetworks, ['network2', 'network1']);
    assert.equal(n.namespace, 'sample');
    assert.deepEqual(n.labels, { app: 'helloworld' }, 'non-string label values are dropped');
    assert.deepEqual(n.locality, { region: 'r', zone: 'z', subzone: 's' });
    assert.deepEqual(networkViewOf(n), { network: 'network1', requestedNetworks: ['network2', 'network1'] });
  });

  it('treats a gRPC user agent as proxyless and Envoy as not', () => {
    assert.equal(parseNode({ id: 'a', userAgentName: 'gRPC Go' }).proxyless, true);
    assert.equal(parseNode({ id: 'a', userAgentName: 'gRPC Node Pure JS' }).proxyless, true);
    assert.equal(parseNode({ id: 'a', userAgentName: 'envoy' }).proxyless, false);
    assert.equal(parseNode({ id: 'a' }).proxyless, false);
    const empty = parseNode({});
    assert.equal(empty.id, '');
    assert.equal(empty.network, '');
    assert.deepEqual(empty.requestedNetworks, []);
  });

  it('viewKey: equal for equal views (order, duplicates), different otherwise, unambiguous', () => {
    const key = (network: string, view?: string) => parseNode({ id: 'x', metadata: jsonToStruct({ NETWORK: network, ...(view ? { REQUESTED_NETWORK_VIEW: view } : {}) }) }).viewKey;
    assert.equal(key('n1', 'a,b'), key('n1', 'b,a,b'));
    assert.equal(key('n1'), key('n1', ''));
    assert.notEqual(key('n1'), key('n2'));
    assert.notEqual(key('n1', 'a'), key('n1'));
    assert.notEqual(key('n1|a', ''), key('n1', 'a'));
    assert.notEqual(key('n1', 'a,b'), key('n1', 'a%2Cb'));
    assert.equal(viewKeyOf({ network: 'n1', requestedNetworks: ['b', 'a'] }), key('n1', 'a,b'));
  });
});
