// Horizon's own protos against the full upstream ones (as shipped with @grpc/grpc-js-xds): resources and
// responses Horizon encodes decode upstream to the intended fields and pass grpc-js-xds's validation;
// requests encoded upstream decode correctly with Horizon's codec.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { encodeAny } from '../../src/xds/codec/any.js';
import { decodeDeltaDiscoveryRequest, decodeDiscoveryRequest, encodeDiscoveryRequest } from '../../src/xds/codec/requests.js';
import {
  decodeDeltaDiscoveryResponse,
  decodeDiscoveryResponse,
  encodeDeltaDiscoveryResponse,
  encodeDiscoveryResponse,
} from '../../src/xds/codec/responses.js';
import {
  decodeClusterLoadAssignment,
  decodeRouteConfiguration,
  encodeApiListener,
  encodeClusterLoadAssignment,
  encodeEdsCluster,
  encodeRouteConfiguration,
  XdsEncodeError,
  type ClusterLoadAssignmentInput,
} from '../../src/xds/resources/index.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE,
  CLUSTER_TYPE,
  HTTP_CONNECTION_MANAGER_TYPE,
  ROUTER_FILTER_TYPE,
} from '../../src/xds/type-urls.js';
import { grpcXdsValidate, upstreamDecode, upstreamEncode } from '../support/upstream-xds.js';

const LISTENER = 'envoy.config.listener.v3.Listener';
const HCM = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTE = 'envoy.config.route.v3.RouteConfiguration';
const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

describe('xds codec: cross-check with the upstream protos', function () {
  this.timeout(60_000);

  it('api listener: HCM over RDS from ADS (v3), router filter last, accepted by grpc-js-xds', () => {
    const bytes = encodeApiListener({ name: 'helloworld.sample.svc.cluster.local:5000', routeConfigName: 'outbound|5000||helloworld.sample.svc.cluster.local' });
    const l = upstreamDecode(LISTENER, bytes);
    assert.equal(l.name, 'helloworld.sample.svc.cluster.local:5000');
    assert.equal(l.api_listener.api_listener.type_url, HTTP_CONNECTION_MANAGER_TYPE);
    const hcm = upstreamDecode(HCM, l.api_listener.api_listener.value);
    assert.equal(hcm.route_specifier, 'rds');
    assert.equal(hcm.rds.route_config_name, 'outbound|5000||helloworld.sample.svc.cluster.local');
    assert.equal(hcm.rds.config_source.config_source_specifier, 'ads');
    assert.deepEqual(hcm.rds.config_source.ads, {});
    assert.equal(hcm.rds.config_source.resource_api_version, 'V3');
    assert.equal(hcm.http_filters.length, 1);
    assert.equal(hcm.http_filters.at(-1).name, 'envoy.filters.http.router');
    assert.equal(hcm.http_filters.at(-1).typed_config.type_url, ROUTER_FILTER_TYPE);
    assert.deepEqual(grpcXdsValidate('listener', l), []);
  });

  it('route configuration: every match kind, weighted clusters, hash policy, timeout, retry', () => {
    const bytes = encodeRouteConfiguration({
      name: 'rc',
      virtualHosts: [
        {
          name: 'vh',
          domains: ['helloworld.sample.svc.cluster.local:5000', '*.sample.svc.cluster.local'],
          routes: [
            {
              name: 'r-path',
              match: { path: '/helloworld.Greeter/SayHello', caseSensitive: false },
              action: { cluster: 'c1' },
              timeoutMs: 2500,
              retryPolicy: { retryOn: 'unavailable,cancelled', numRetries: 2, perTryTimeoutMs: 500, backOff: { baseIntervalMs: 25, maxIntervalMs: 250 } },
            },
            {
              match: {
                regex: '/helloworld\\..*',
                headers: [
                  { name: 'x-exact', exact: 'a' },
                  { name: 'x-prefix', prefix: 'b', invert: true },
                  { name: 'x-suffix', suffix: 'c' },
                  { name: 'x-contains', contains: 'd' },
                  { name: 'x-regex', regex: 'e+' },
                  { name: 'x-present', present: true },
                ],
              },
              action: { weightedClusters: [{ name: 'c1', weight: 80 }, { name: 'c2', weight: 20 }] },
              hashPolicy: [{ header: 'x-user', terminal: true }, { filterState: 'io.grpc.channel_id' }],
            },
            { match: { prefix: '' }, action: { cluster: 'c2' } },
          ],
        },
      ],
    });
    const rc = upstreamDecode(ROUTE, bytes);
    assert.equal(rc.name, 'rc');
    const vh = rc.virtual_hosts[0];
    assert.deepEqual(vh.domains, ['helloworld.sample.svc.cluster.local:5000', '*.sample.svc.cluster.local']);
    const [r0, r1, r2] = vh.routes;
    assert.equal(r0.name, 'r-path');
    assert.equal(r0.match.path_specifier, 'path');
    assert.equal(r0.match.path, '/helloworld.Greeter/SayHello');
    assert.deepEqual(r0.match.case_sensitive, { value: false });
    assert.equal(r0.action, 'route');
    assert.equal(r0.route.cluster_specifier, 'cluster');
    assert.equal(r0.route.cluster, 'c1');
    assert.deepEqual(r0.route.timeout, { seconds: '2', nanos: 500_000_000 });
    assert.deepEqual(r0.route.max_stream_duration.max_stream_duration, { seconds: '2', nanos: 500_000_000 });
    assert.deepEqual(r0.route.max_stream_duration.grpc_timeout_header_max, { seconds: '2', nanos: 500_000_000 });
    assert.equal(r0.route.retry_policy.retry_on, 'unavailable,cancelled');
    assert.deepEqual(r0.route.retry_policy.num_retries, { value: 2 });
    assert.deepEqual(r0.route.retry_policy.per_try_timeout, { seconds: '0', nanos: 500_000_000 });
    assert.deepEqual(r0.route.retry_policy.retry_back_off.base_interval, { seconds: '0', nanos: 25_000_000 });
    assert.equal(r1.match.path_specifier, 'safe_regex');
    assert.equal(r1.match.safe_regex.regex, '/helloworld\\..*');
    const h = r1.match.headers;
    assert.equal(h[0].header_match_specifier, 'string_match');
    assert.equal(h[0].string_match.exact, 'a');
    assert.equal(h[1].string_match.prefix, 'b');
    assert.equal(h[1].invert_match, true);
    assert.equal(h[2].string_match.suffix, 'c');
    assert.equal(h[3].string_match.contains, 'd');
    assert.equal(h[4].string_match.safe_regex.regex, 'e+');
    assert.equal(h[5].header_match_specifier, 'present_match');
    assert.equal(h[5].present_match, true);
    assert.equal(r1.route.cluster_specifier, 'weighted_clusters');
    assert.deepEqual(
      r1.route.weighted_clusters.clusters.map((c: { name: string; weight: { value: number } }) => [c.name, c.weight.value]),
      [['c1', 80], ['c2', 20]],
    );
    assert.equal(r1.route.hash_policy[0].policy_specifier, 'header');
    assert.equal(r1.route.hash_policy[0].header.header_name, 'x-user');
    assert.equal(r1.route.hash_policy[0].terminal, true);
    assert.equal(r1.route.hash_policy[1].filter_state.key, 'io.grpc.channel_id');
    assert.equal(r2.match.path_specifier, 'prefix');
    assert.equal(r2.match.prefix, '');
    assert.deepEqual(grpcXdsValidate('route', rc), []);
    // and back through Horizon's own decoder
    const back = decodeRouteConfiguration(bytes);
    assert.ok(back.ok);
    assert.deepEqual(back.value.virtualHosts[0]!.routes[1]!.action, { weightedClusters: [{ name: 'c1', weight: 80 }, { name: 'c2', weight: 20 }] });
    assert.equal(back.value.virtualHosts[0]!.routes[0]!.timeoutMs, 2500);
  });

  it('EDS cluster: type EDS, eds_config.ads, V3, lb policies, ring hash, metadata', () => {
    const rr = upstreamDecode(CLUSTER, encodeEdsCluster({ name: 'outbound|5000||a.b', connectTimeoutMs: 1500, lbPolicy: 'ROUND_ROBIN', metadata: { istio: { default_original_port: 5000, services: [{ host: 'a.b' }] } } }));
    assert.equal(rr.name, 'outbound|5000||a.b');
    assert.equal(rr.cluster_discovery_type, 'type');
    assert.equal(rr.type, 'EDS');
    assert.equal(rr.eds_cluster_config.eds_config.config_source_specifier, 'ads');
    assert.equal(rr.eds_cluster_config.eds_config.resource_api_version, 'V3');
    assert.equal(rr.eds_cluster_config.service_name, '');
    assert.deepEqual(rr.connect_timeout, { seconds: '1', nanos: 500_000_000 });
    assert.equal(rr.lb_policy, 'ROUND_ROBIN');
    assert.equal(rr.metadata.filter_metadata.istio.fields.default_original_port.numberValue, 5000);
    assert.deepEqual(grpcXdsValidate('cluster', rr), []);

    const ring = upstreamDecode(CLUSTER, encodeEdsCluster({ name: 'c', serviceName: 'svc-cla', connectTimeoutMs: 1000, lbPolicy: 'RING_HASH', ringHash: { minimumRingSize: 64, maximumRingSize: 4096 } }));
    assert.equal(ring.lb_policy, 'RING_HASH');
    assert.equal(ring.eds_cluster_config.service_name, 'svc-cla');
    assert.equal(ring.ring_hash_lb_config.minimum_ring_size.value, '64');
    assert.equal(ring.ring_hash_lb_config.maximum_ring_size.value, '4096');
    assert.equal(ring.ring_hash_lb_config.hash_function, 'XX_HASH');
    assert.deepEqual(grpcXdsValidate('cluster', ring), []);

    const lr = upstreamDecode(CLUSTER, encodeEdsCluster({ name: 'c', connectTimeoutMs: 1000, lbPolicy: 'LEAST_REQUEST', leastRequest: { choiceCount: 3 }, localityWeighted: true }));
    assert.equal(lr.lb_policy, 'LEAST_REQUEST');
    assert.equal(lr.least_request_lb_config.choice_count.value, 3);
    assert.equal(lr.common_lb_config.locality_config_specifier, 'locality_weighted_lb_config');
    // Documented limitation of proxyless gRPC: only ROUND_ROBIN and RING_HASH are accepted.
    assert.match(grpcXdsValidate('cluster', lr).join(), /unsupported lb_policy: LEAST_REQUEST/);
    assert.equal(upstreamDecode(CLUSTER, encodeEdsCluster({ name: 'c', connectTimeoutMs: 1, lbPolicy: 'RANDOM' })).lb_policy, 'RANDOM');
  });

  it('cluster load assignment: localities, weights, priorities, health, IPv4 and IPv6', () => {
    const input: ClusterLoadAssignmentInput = {
      clusterName: 'outbound|5000||helloworld.sample.svc.cluster.local',
      endpoints: [
        {
          locality: { region: 'us-east', zone: 'us-east-1a', subzone: 'rack1' },
          lbEndpoints: [
            { address: '10.1.0.5', port: 5000 },
            { address: 'fd00::5', port: 5000, loadBalancingWeight: 3, healthStatus: 'UNKNOWN', metadata: { istio: { workload: 'hw-v1' } } },
          ],
        },
        { locality: { region: 'us-west', zone: '', subzone: '' }, loadBalancingWeight: 6, priority: 1, lbEndpoints: [{ address: '192.0.2.7', port: 15443, loadBalancingWeight: 6 }] },
      ],
    };
    const c = upstreamDecode(CLA, encodeClusterLoadAssignment(input));
    assert.equal(c.cluster_name, input.clusterName);
    assert.equal(c.endpoints.length, 2);
    const [g0, g1] = c.endpoints;
    assert.deepEqual(g0.locality, { region: 'us-east', zone: 'us-east-1a', sub_zone: 'rack1' });
    assert.equal(g0.load_balancing_weight.value, 4, 'default locality weight = sum of endpoint weights');
    assert.equal(g0.priority, 0);
    assert.equal(g0.lb_endpoints[0].endpoint.address.socket_address.address, '10.1.0.5');
    assert.equal(g0.lb_endpoints[0].endpoint.address.socket_address.port_value, 5000);
    assert.equal(g0.lb_endpoints[0].health_status, 'HEALTHY');
    assert.equal(g0.lb_endpoints[0].load_balancing_weight.value, 1);
    assert.equal(g0.lb_endpoints[1].endpoint.address.socket_address.address, 'fd00::5');
    assert.equal(g0.lb_endpoints[1].health_status, 'UNKNOWN');
    assert.equal(g0.lb_endpoints[1].load_balancing_weight.value, 3);
    assert.equal(g0.lb_endpoints[1].metadata.filter_metadata.istio.fields.workload.stringValue, 'hw-v1');
    assert.equal(g1.priority, 1);
    assert.equal(g1.load_balancing_weight.value, 6);
    assert.deepEqual(grpcXdsValidate('endpoint', c), []);
  });

  it('cluster load assignments: random inputs decode upstream to the same endpoints and pass grpc-js-xds', () => {
    const locality = fc.record({ region: fc.constantFrom('', 'r1', 'r2'), zone: fc.constantFrom('', 'z1', 'z2'), subzone: fc.constantFrom('', 's1') });
    const group = fc.record({
      locality,
      priority: fc.constantFrom(0, 0, 1),
      lbEndpoints: fc.array(
        fc.record({
          address: fc.oneof(fc.ipV4(), fc.constantFrom('::1', 'fd00::1', '2001:db8::7')),
          port: fc.integer({ min: 1, max: 65535 }),
          loadBalancingWeight: fc.integer({ min: 1, max: 1000 }),
          healthStatus: fc.constantFrom('HEALTHY' as const, 'UNKNOWN' as const),
        }),
        { maxLength: 5 },
      ),
    });
    fc.assert(
      fc.property(fc.array(group, { maxLength: 5 }), (groups) => {
        // Make the input valid the way a generator would: unique (locality, priority), unique addresses, contiguous priorities.
        const seen = new Set<string>();
        const addrs = new Set<string>();
        const endpoints = groups
          .filter((g) => {
            const k = JSON.stringify([g.locality, g.priority]);
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
          })
          .map((g) => ({ ...g, lbEndpoints: g.lbEndpoints.filter((e) => !addrs.has(`${e.address}|${e.port}`) && addrs.add(`${e.address}|${e.port}`)) }));
        const hasP0 = endpoints.some((g) => g.priority === 0);
        const fixed = endpoints.map((g) => (hasP0 ? g : { ...g, priority: 0 })).filter((g, i, all) => all.findIndex((o) => JSON.stringify([o.locality, o.priority]) === JSON.stringify([g.locality, g.priority])) === i);
        const input = { clusterName: 'c', endpoints: fixed };
        const bytes = encodeClusterLoadAssignment(input);
        const up = upstreamDecode(CLA, bytes);
        assert.deepEqual(grpcXdsValidate('endpoint', up), []);
        const flat = up.endpoints.flatMap((g: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }) =>
          g.lb_endpoints.map((e) => `${e.endpoint.address.socket_address.address}|${e.endpoint.address.socket_address.port_value}`),
        );
        assert.deepEqual(flat, fixed.flatMap((g) => g.lbEndpoints.map((e) => `${e.address}|${e.port}`)));
        const mine = decodeClusterLoadAssignment(bytes);
        assert.ok(mine.ok);
        assert.deepEqual(
          mine.value.endpoints.map((g) => g.lbEndpoints.map((e) => [e.address, e.port, e.loadBalancingWeight, e.healthStatus])),
          fixed.map((g) => g.lbEndpoints.map((e) => [e.address, e.port, e.loadBalancingWeight, e.healthStatus])),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('encoders refuse what grpc-js-xds would reject, saying where', () => {
    const loc = { region: 'r', zone: 'z', subzone: '' };
    assert.throws(
      () => encodeClusterLoadAssignment({ clusterName: 'c', endpoints: [{ locality: loc, lbEndpoints: [{ address: 'gw.example.com', port: 15443 }] }] }),
      (e: Error) => e instanceof XdsEncodeError && /endpoints\[0\]\.lbEndpoints\[0\].*not an IP literal/.test(e.message),
    );
    assert.throws(
      () => encodeClusterLoadAssignment({ clusterName: 'c', endpoints: [{ locality: loc, lbEndpoints: [{ address: '10.0.0.1', port: 1 }, { address: '10.0.0.1', port: 1 }] }] }),
      /appears twice/,
    );
    assert.throws(() => encodeClusterLoadAssignment({ clusterName: 'c', endpoints: [{ locality: loc, lbEndpoints: [] }, { locality: loc, lbEndpoints: [] }] }), /appears twice at priority 0/);
    assert.throws(() => encodeClusterLoadAssignment({ clusterName: 'c', endpoints: [{ locality: loc, priority: 1, lbEndpoints: [] }] }), /priority 1 is used but priority 0 is not/);
    assert.throws(() => encodeRouteConfiguration({ name: 'r', virtualHosts: [{ name: 'v', domains: ['a*b'], routes: [] }] }), /not a valid pattern/);
    assert.throws(
      () => encodeRouteConfiguration({ name: 'r', virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', path: '/x' }, action: { cluster: 'c' } }] }] }),
      /exactly one of prefix \/ path \/ regex/,
    );
    assert.throws(
      () => encodeRouteConfiguration({ name: 'r', virtualHosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '' }, action: { weightedClusters: [{ name: 'a', weight: 0 }] } }] }] }),
      /weights must sum/,
    );
    assert.throws(() => encodeApiListener({ name: '', routeConfigName: 'r' }), /Listener.name/);
    assert.throws(() => encodeEdsCluster({ name: 'c', lbPolicy: 'RING_HASH', ringHash: { minimumRingSize: 10_000_000 }, connectTimeoutMs: 1 }), /ring sizes/);
  });

  it('DiscoveryResponse assembled from bytes decodes upstream (and with Horizon codec)', () => {
    const claBytes = encodeClusterLoadAssignment({ clusterName: 'c1', endpoints: [{ locality: { region: '', zone: '', subzone: '' }, lbEndpoints: [{ address: '10.0.0.1', port: 80 }] }] });
    const anys = [encodeAny(CLUSTER_LOAD_ASSIGNMENT_TYPE, claBytes), encodeAny(CLUSTER_LOAD_ASSIGNMENT_TYPE, new Uint8Array(300).fill(7))];
    const bytes = encodeDiscoveryResponse({ versionInfo: '42', typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE, nonce: 'n1', resources: anys });
    const up = upstreamDecode('envoy.service.discovery.v3.DiscoveryResponse', bytes);
    assert.equal(up.version_info, '42');
    assert.equal(up.type_url, CLUSTER_LOAD_ASSIGNMENT_TYPE);
    assert.equal(up.nonce, 'n1');
    assert.equal(up.resources.length, 2);
    assert.equal(up.resources[0].type_url, CLUSTER_LOAD_ASSIGNMENT_TYPE);
    assert.deepEqual(Buffer.from(up.resources[0].value), Buffer.from(claBytes));
    assert.equal(up.resources[1].value.length, 300);
    assert.equal(upstreamDecode(CLA, up.resources[0].value).cluster_name, 'c1');
    const mine = decodeDiscoveryResponse(bytes);
    assert.ok(mine.ok);
    assert.equal(mine.value.resources.length, 2);
    // empty fields are omitted, still valid
    const empty = upstreamDecode('envoy.service.discovery.v3.DiscoveryResponse', encodeDiscoveryResponse({ versionInfo: '', typeUrl: CLUSTER_TYPE, nonce: 'x', resources: [] }));
    assert.deepEqual([empty.version_info, empty.type_url, empty.nonce, empty.resources.length], ['', CLUSTER_TYPE, 'x', 0]);
  });

  it('DeltaDiscoveryResponse assembled from bytes decodes upstream', () => {
    const a = encodeAny(CLUSTER_TYPE, encodeEdsCluster({ name: 'c1', lbPolicy: 'ROUND_ROBIN', connectTimeoutMs: 1000 }));
    const bytes = encodeDeltaDiscoveryResponse({
      systemVersionInfo: '7',
      typeUrl: CLUSTER_TYPE,
      nonce: 'n9',
      resources: [{ name: 'c1', version: 'v-abc', any: a }],
      removedResources: ['gone-1', 'gone-2'],
    });
    const up = upstreamDecode('envoy.service.discovery.v3.DeltaDiscoveryResponse', bytes);
    assert.equal(up.system_version_info, '7');
    assert.equal(up.type_url, CLUSTER_TYPE);
    assert.equal(up.nonce, 'n9');
    assert.deepEqual(up.removed_resources, ['gone-1', 'gone-2']);
    assert.equal(up.resources.length, 1);
    assert.equal(up.resources[0].name, 'c1');
    assert.equal(up.resources[0].version, 'v-abc');
    assert.equal(up.resources[0].resource.type_url, CLUSTER_TYPE);
    assert.equal(upstreamDecode(CLUSTER, up.resources[0].resource.value).name, 'c1');
    const mine = decodeDeltaDiscoveryResponse(bytes);
    assert.ok(mine.ok);
    assert.deepEqual(mine.value.removedResources, ['gone-1', 'gone-2']);
    assert.equal(mine.value.resources[0]!.version, 'v-abc');
  });

  it('DiscoveryRequest encoded upstream (as grpc-js-xds sends it) decodes into node info, names, nonce, NACK', () => {
    const bytes = upstreamEncode('envoy.service.discovery.v3.DiscoveryRequest', {
      version_info: '3',
      node: {
        id: 'sidecar~10.0.0.1~hw.sample~sample.svc.cluster.local',
        cluster: 'hw',
        metadata: {
          fields: {
            NETWORK: { stringValue: 'network2' },
            CLUSTER_ID: { stringValue: 'cluster2' },
            GENERATOR: { stringValue: 'grpc' },
            REQUESTED_NETWORK_VIEW: { stringValue: 'network2, network1' },
            NAMESPACE: { stringValue: 'sample' },
            LABELS: { structValue: { fields: { app: { stringValue: 'helloworld' }, version: { stringValue: 'v1' } } } },
            N: { numberValue: 3 },
          },
        },
        locality: { region: 'eu', zone: 'eu-1', sub_zone: 'a' },
        user_agent_name: 'gRPC Node Pure JS',
        user_agent_version: '1.14.1',
        client_features: ['envoy.lb.does_not_support_overprovisioning'],
      },
      resource_names: ['a', 'b'],
      type_url: CLUSTER_TYPE,
      response_nonce: 'n3',
      error_detail: { code: 3, message: 'bad cluster' },
    });
    const d = decodeDiscoveryRequest(bytes);
    assert.ok(d.ok);
    const r = d.value;
    assert.equal(r.versionInfo, '3');
    assert.deepEqual(r.resourceNames, ['a', 'b']);
    assert.equal(r.typeUrl, CLUSTER_TYPE);
    assert.equal(r.responseNonce, 'n3');
    assert.deepEqual(r.errorDetail, { code: 3, message: 'bad cluster' });
    const n = r.node!;
    assert.equal(n.id, 'sidecar~10.0.0.1~hw.sample~sample.svc.cluster.local');
    assert.equal(n.cluster, 'hw');
    assert.deepEqual(n.locality, { region: 'eu', zone: 'eu-1', subzone: 'a' });
    assert.equal(n.userAgentName, 'gRPC Node Pure JS');
    assert.equal(n.userAgentVersion, '1.14.1');
    assert.deepEqual(n.clientFeatures, ['envoy.lb.does_not_support_overprovisioning']);
    assert.equal(n.network, 'network2');
    assert.equal(n.clusterId, 'cluster2');
    assert.equal(n.generator, 'grpc');
    assert.equal(n.proxyless, true);
    assert.deepEqual(n.requestedNetworks, ['network2', 'network1']);
    assert.equal(n.namespace, 'sample');
    assert.deepEqual(n.labels, { app: 'helloworld', version: 'v1' });
    assert.equal(n.metadata.N, 3);
    assert.deepEqual(n.metadata.LABELS, { app: 'helloworld', version: 'v1' });
    // Horizon's client encoding decodes upstream the same way
    const mine = upstreamDecode(
      'envoy.service.discovery.v3.DiscoveryRequest',
      encodeDiscoveryRequest({ typeUrl: CLUSTER_TYPE, resourceNames: ['x'], node: { id: 'n1', metadata: { NETWORK: 'nw' }, locality: { region: 'r' } } }),
    );
    assert.equal(mine.node.id, 'n1');
    assert.equal(mine.node.metadata.fields.NETWORK.stringValue, 'nw');
    assert.equal(mine.node.locality.region, 'r');
    assert.deepEqual(mine.resource_names, ['x']);
  });

  it('DeltaDiscoveryRequest encoded upstream decodes with initial_resource_versions', () => {
    const bytes = upstreamEncode('envoy.service.discovery.v3.DeltaDiscoveryRequest', {
      node: { id: 'envoy-1', user_agent_name: 'envoy', metadata: { fields: { NETWORK: { stringValue: 'n1' } } } },
      type_url: CLUSTER_LOAD_ASSIGNMENT_TYPE,
      resource_names_subscribe: ['a', 'b'],
      resource_names_unsubscribe: ['c'],
      initial_resource_versions: { a: 'v1', b: 'v2' },
      response_nonce: 'x',
    });
    const d = decodeDeltaDiscoveryRequest(bytes);
    assert.ok(d.ok);
    assert.deepEqual(d.value.resourceNamesSubscribe, ['a', 'b']);
    assert.deepEqual(d.value.resourceNamesUnsubscribe, ['c']);
    assert.deepEqual(d.value.initialResourceVersions, { a: 'v1', b: 'v2' });
    assert.equal(d.value.responseNonce, 'x');
    assert.equal(d.value.node?.proxyless, false);
    assert.equal(d.value.node?.network, 'n1');
  });

  it('decoders return errors as values for garbage, never throwing', () => {
    const bad = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
    const d = decodeDiscoveryRequest(bad);
    assert.equal(d.ok, false);
    assert.match((d as { error: string }).error, /malformed DiscoveryRequest/);
    assert.equal(decodeDeltaDiscoveryRequest(bad).ok, false);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeDiscoveryRequest(bytes);
        decodeDeltaDiscoveryRequest(bytes);
        decodeDiscoveryResponse(bytes);
        decodeClusterLoadAssignment(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('wrapping 100 pre-encoded resources into a response costs tens of microseconds, not encodes', () => {
    const anys = Array.from({ length: 100 }, (_, i) =>
      encodeAny(
        CLUSTER_LOAD_ASSIGNMENT_TYPE,
        encodeClusterLoadAssignment({
          clusterName: `outbound|5000||svc-${i}.ns.svc.cluster.local`,
          endpoints: [{ locality: { region: 'r', zone: 'z', subzone: '' }, lbEndpoints: Array.from({ length: 10 }, (_, j) => ({ address: `10.${i}.0.${j + 1}`, port: 5000 })) }],
        }),
      ),
    );
    for (let i = 0; i < 200; i++) encodeDiscoveryResponse({ versionInfo: '1', typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE, nonce: String(i), resources: anys });
    const samples: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = process.hrtime.bigint();
      encodeDiscoveryResponse({ versionInfo: '1', typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE, nonce: String(i), resources: anys });
      samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    const size = anys.reduce((s, a) => s + a.length, 0);
    console.log(`      wrap 100 resources (${size} B): median ${median.toFixed(1)} us`);
    // Generous bound for a shared 2-core machine; an encode of 100 such CLAs takes milliseconds.
    assert.ok(median < 500, `median ${median} us`);
  });
});
