import { strict as assert } from 'node:assert';
import { encodedResource } from '../../src/xds/codec/any.js';
import { anyToProto3Json, resourceToProto3Json } from '../../src/xds/codec/proto-json.js';
import { encodeApiListener, encodeClusterLoadAssignment, encodeEdsCluster } from '../../src/xds/resources/index.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE, HTTP_CONNECTION_MANAGER_TYPE, LISTENER_TYPE } from '../../src/xds/type-urls.js';

describe('xds codec: proto3 JSON for the debug API', () => {
  it('renders a known ClusterLoadAssignment: camelCase, enum names, wrappers as numbers, defaults left out', () => {
    const bytes = encodeClusterLoadAssignment({
      clusterName: 'outbound|5000||helloworld.sample.svc.cluster.local',
      endpoints: [
        {
          locality: { region: 'region1', zone: 'region1-zone-a', subzone: '' },
          loadBalancingWeight: 2,
          lbEndpoints: [{ address: '127.10.0.5', port: 5000, loadBalancingWeight: 2 }],
        },
        {
          locality: { region: 'region2', zone: '', subzone: 'network2' },
          priority: 1,
          lbEndpoints: [
            { address: '127.22.0.1', port: 15443, loadBalancingWeight: 3, healthStatus: 'UNKNOWN', metadata: { istio: { workload: 'gw', n: 2, ok: true } } },
          ],
        },
      ],
    });
    const json = resourceToProto3Json(CLUSTER_LOAD_ASSIGNMENT_TYPE, bytes);
    assert.ok(json.ok);
    assert.deepEqual(json.value, {
      clusterName: 'outbound|5000||helloworld.sample.svc.cluster.local',
      endpoints: [
        {
          locality: { region: 'region1', zone: 'region1-zone-a' },
          lbEndpoints: [
            {
              endpoint: { address: { socketAddress: { address: '127.10.0.5', portValue: 5000 } } },
              healthStatus: 'HEALTHY',
              loadBalancingWeight: 2,
            },
          ],
          loadBalancingWeight: 2,
        },
        {
          locality: { region: 'region2', subZone: 'network2' },
          // UNKNOWN is the enum's zero value: left out, as proto3 JSON does.
          lbEndpoints: [
            {
              endpoint: { address: { socketAddress: { address: '127.22.0.1', portValue: 15443 } } },
              metadata: { filterMetadata: { istio: { workload: 'gw', n: 2, ok: true } } },
              loadBalancingWeight: 3,
            },
          ],
          loadBalancingWeight: 3,
          priority: 1,
        },
      ],
    });
  });

  it('expands Any with @type, writes durations as seconds and enum names (cluster, listener)', () => {
    const cluster = resourceToProto3Json(CLUSTER_TYPE, encodeEdsCluster({ name: 'c', lbPolicy: 'RING_HASH', connectTimeoutMs: 1500 }));
    assert.ok(cluster.ok);
    assert.equal(cluster.value.name, 'c');
    assert.equal(cluster.value.type, 'EDS');
    assert.equal(cluster.value.lbPolicy, 'RING_HASH');
    assert.equal(cluster.value.connectTimeout, '1.500s');
    assert.deepEqual((cluster.value.edsClusterConfig as Record<string, unknown>).edsConfig, { ads: {}, resourceApiVersion: 'V3' });

    const listener = encodedResource(LISTENER_TYPE, 'h:5000', encodeApiListener({ name: 'h:5000', routeConfigName: 'h:5000' }));
    const any = anyToProto3Json(listener.any);
    assert.ok(any.ok);
    assert.equal(any.value['@type'], LISTENER_TYPE);
    assert.equal(any.value.name, 'h:5000');
    const hcm = ((any.value.apiListener as Record<string, unknown>).apiListener as Record<string, unknown>);
    assert.equal(hcm['@type'], HTTP_CONNECTION_MANAGER_TYPE);
    assert.equal((hcm.rds as Record<string, unknown>).routeConfigName, 'h:5000');
  });

  it('reports bad bytes and unknown types as errors, never throws', () => {
    const bad = resourceToProto3Json(CLUSTER_LOAD_ASSIGNMENT_TYPE, Uint8Array.from([0x0a, 0xff, 0x01]));
    assert.equal(bad.ok, false);
    const unknown = resourceToProto3Json('type.googleapis.com/no.such.Type', new Uint8Array());
    assert.equal(unknown.ok, false);
  });
});
