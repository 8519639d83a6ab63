import { strict as assert } from 'node:assert';
import { qualifyHost } from '../../src/kube/convert.js';
import { toDestinationRule, toVirtualService } from '../../src/kube/convert-istio.js';

const meta = { name: 'hw', namespace: 'sample', creationTimestamp: '2026-01-01T00:00:00Z' };

describe('Istio config conversion', () => {
  it('qualifies short hosts in the rule namespace', () => {
    assert.equal(qualifyHost('helloworld', 'sample', 'cluster.local'), 'helloworld.sample.svc.cluster.local');
    assert.equal(qualifyHost('helloworld.other', 'sample', 'cluster.local'), 'helloworld.other.svc.cluster.local');
    assert.equal(qualifyHost('helloworld.other.svc', 'sample', 'cluster.local'), 'helloworld.other.svc.cluster.local');
    assert.equal(qualifyHost('helloworld.sample.svc.cluster.local', 'x', 'cluster.local'), 'helloworld.sample.svc.cluster.local');
    assert.equal(qualifyHost('*.example.com', 'x', 'cluster.local'), '*.example.com');
    assert.equal(qualifyHost('helloworld.sample.', 'x', 'cluster.local'), 'helloworld.sample.svc.cluster.local', 'a trailing dot is ignored');
    assert.equal(qualifyHost('api.example.com', 'x', 'cluster.local'), 'api.example.com');
    assert.equal(qualifyHost('helloworld', '', 'cluster.local'), undefined, 'a bare name needs a namespace');
  });

  it('DestinationRule: subsets, simple and consistent-hash policies', () => {
    const r = toDestinationRule(
      {
        metadata: meta,
        spec: {
          host: 'helloworld',
          trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', ringHash: { minimumRingSize: 1024 } } } },
          subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } } }, { name: 'v2', labels: { version: 'v2' } }],
        },
      },
      'c1',
      'cluster.local',
    );
    assert.ok(r.ok);
    const dr = r.ok ? r.value : undefined;
    assert.equal(dr?.host, 'helloworld.sample.svc.cluster.local');
    assert.deepEqual(dr?.trafficPolicy, { loadBalancer: { consistentHash: { httpHeaderName: 'x-user', minimumRingSize: 1024 } } });
    assert.deepEqual(dr?.subsets[0], { name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'LEAST_CONN' } } });
  });

  it('DestinationRule refusals say where', () => {
    const table: Array<[unknown, RegExp]> = [
      [{}, /spec.host is required/],
      [{ host: 'h', subsets: [{ name: 'a' }, { name: 'a' }] }, /spec.subsets\[1\]: duplicate subset name "a"/],
      [{ host: 'h', trafficPolicy: { loadBalancer: { simple: 'FASTEST' } } }, /loadBalancer.simple: unknown policy "FASTEST"/],
      [{ host: 'h', subsets: [{ name: 'a', labels: { v: 1 } }] }, /labels.v: must be a string/],
    ];
    for (const [spec, reason] of table) {
      const r = toDestinationRule({ metadata: meta, spec }, 'c1', 'cluster.local');
      assert.ok(!r.ok);
      assert.match(!r.ok ? r.error : '', reason);
      assert.match(!r.ok ? r.error : '', /destinationrule sample\/hw in cluster c1/);
    }
  });

  it('DestinationRule: localityLbSetting, outlierDetection and port-level policies', () => {
    const r = toDestinationRule(
      {
        metadata: meta,
        spec: {
          host: 'helloworld',
          trafficPolicy: {
            loadBalancer: {
              simple: 'ROUND_ROBIN',
              localityLbSetting: {
                enabled: true,
                failover: [{ from: 'us-east', to: 'eu-west' }],
                failoverPriority: ['topology.istio.io/network', 'version=v1'],
              },
            },
            outlierDetection: { consecutive5xxErrors: 7, interval: '5m', baseEjectionTime: '15m', maxEjectionPercent: 100, minHealthPercent: 0 },
            portLevelSettings: [{ port: { number: 5000 }, loadBalancer: { localityLbSetting: { distribute: [{ from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } }] } } }],
          },
          subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { outlierDetection: { consecutiveGatewayErrors: '3', interval: '1.5s' } } }],
        },
      },
      'c1',
      'cluster.local',
    );
    assert.ok(r.ok, !r.ok ? r.error : '');
    const dr = r.ok ? r.value : undefined;
    assert.deepEqual(dr?.trafficPolicy?.loadBalancer, {
      simple: 'ROUND_ROBIN',
      localityLbSetting: { enabled: true, distribute: [], failover: [{ from: 'us-east', to: 'eu-west' }], failoverPriority: ['topology.istio.io/network', 'version=v1'] },
    });
    assert.deepEqual(dr?.trafficPolicy?.outlierDetection, { consecutive5xxErrors: 7, intervalMs: 300_000, baseEjectionTimeMs: 900_000, maxEjectionPercent: 100, minHealthPercent: 0 });
    assert.deepEqual(dr?.trafficPolicy?.portLevelSettings, [
      {
        port: 5000,
        loadBalancer: {
          localityLbSetting: {
            distribute: [{ from: 'us-west/zone1/*', to: [{ locality: 'us-west/zone1/*', weight: 80 }, { locality: 'us-west/zone2/*', weight: 20 }] }],
            failover: [],
            failoverPriority: [],
          },
        },
      },
    ]);
    assert.deepEqual(dr?.subsets[0]?.trafficPolicy, { outlierDetection: { consecutiveGatewayErrors: 3, intervalMs: 1500 } });
    assert.equal(dr?.warnings, undefined);
  });

  it('DestinationRule: accepted with warnings where istiod accepts what has no effect', () => {
    const table: Array<[unknown, RegExp]> = [
      [{ loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } } }, /spec.trafficPolicy.loadBalancer.localityLbSetting: failover and failoverPriority take effect only with outlierDetection/],
      [
        { loadBalancer: { localityLbSetting: { distribute: [{ from: 'a', to: { b: 100 } }], failoverPriority: ['x'] } }, outlierDetection: {} },
        /localityLbSetting.failoverPriority: ignored because distribute is set/,
      ],
      [{ loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }, { from: 'a', to: 'c' }] } }, outlierDetection: {} }, /failover\[1\]: region "a" already has a failover at failover\[0\], which wins/],
      [{ loadBalancer: { zoneAwareLbSetting: {} } }, /zoneAwareLbSetting: not served by Horizon; ignored/],
      [{ outlierDetection: { consecutiveErrors: 5 } }, /consecutiveErrors: deprecated and ignored/],
      [{ portLevelSettings: [{ port: { number: 80 }, tls: {} }, { port: { number: 80 }, outlierDetection: {} }] }, /portLevelSettings\[1\]: port 80 already has a policy at portLevelSettings\[0\], which wins/],
    ];
    for (const [trafficPolicy, warning] of table) {
      const r = toDestinationRule({ metadata: meta, spec: { host: 'h', trafficPolicy } }, 'c1', 'cluster.local');
      assert.ok(r.ok, JSON.stringify(trafficPolicy));
      assert.ok((r.ok ? (r.value.warnings ?? []) : []).some((w) => warning.test(w)), `${JSON.stringify(trafficPolicy)}: ${JSON.stringify(r.ok && r.value.warnings)}`);
    }
  });

  it("DestinationRule: locality and outlier settings refused with Istio's validation rules, saying where", () => {
    const lls = (localityLbSetting: unknown) => ({ loadBalancer: { localityLbSetting }, outlierDetection: {} });
    const table: Array<[unknown, RegExp]> = [
      [lls({ distribute: [{ from: 'a', to: { b: 100 } }], failover: [{ from: 'a', to: 'b' }] }), /localityLbSetting: distribute and failover cannot both be set/],
      [lls({ failover: [{ from: 'a', to: 'b' }], failoverPriority: ['topology.kubernetes.io/zone'] }), /cannot name topology.kubernetes.io\/zone while failover is set/],
      [lls({ distribute: [{ from: 'a', to: { b: 60, c: 30 } }] }), /distribute\[0\].to: weights add up to 90, not 100/],
      [lls({ distribute: [{ from: 'a', to: { b: 0, c: 100 } }] }), /distribute\[0\].to\["b"\]: a locality weight must be from 1 to 100/],
      [lls({ distribute: [{ from: 'a', to: { b: 101 } }] }), /must be an integer from 0 to 100/],
      [lls({ distribute: [{ from: 'a', to: {} }] }), /distribute\[0\].to: must map at least one locality/],
      [lls({ distribute: [{ from: 'a/*', to: { b: 100 } }, { from: 'a/z1', to: { b: 100 } }] }), /distribute\[1\].from: locality "a\/z1" overlaps "a\/\*"/],
      [lls({ distribute: [{ from: 'a/z1', to: { b: 100 } }, { from: '*', to: { b: 100 } }] }), /locality "\*" overlaps "a\/z1"/],
      [lls({ distribute: [{ from: 'a', to: { 'b/*': 50, 'b/z': 50 } }] }), /distribute\[0\].to: locality "b\/z" overlaps "b\/\*"/],
      [lls({ distribute: [{ from: 'a/*/c', to: { b: 100 } }] }), /the wildcard '\*' may only be the whole last segment/],
      [lls({ distribute: [{ from: 'us-*', to: { b: 100 } }] }), /the wildcard '\*' may only be the whole last segment/],
      [lls({ distribute: [{ from: 'a//c', to: { b: 100 } }] }), /must not contain an empty region, zone or subzone/],
      [lls({ distribute: [{ from: 'a/b/c/d', to: { b: 100 } }] }), /more than region\/zone\/subzone/],
      [lls({ failover: [{ from: 'a', to: 'a' }] }), /failover\[0\]: from and to are the same region "a"/],
      [lls({ failover: [{ from: 'a/z', to: 'b' }] }), /failover\[0\].from: failover names regions only/],
      [lls({ failover: [{ from: 'a', to: '*' }] }), /failover\[0\].to: a failover region must not contain the wildcard/],
      [lls({ failoverPriority: ['a=b=c'] }), /failoverPriority\[0\]: "a=b=c" has more than one '='/],
      [lls({ failoverPriority: ['=v'] }), /failoverPriority\[0\]: "=v" has no label key/],
      [lls({ failoverPriority: [''] }), /failoverPriority\[0\]: must be a label key, or key=value/],
      [lls({ enabled: 'yes' }), /localityLbSetting.enabled: must be true or false/],
      [{ loadBalancer: { localityLbSetting: {}, zoneAwareLbSetting: {} } }, /only one of localityLbSetting and zoneAwareLbSetting/],
      [{ outlierDetection: { interval: '0.5ms' } }, /outlierDetection.interval: must be at least 1ms/],
      [{ outlierDetection: { baseEjectionTime: '1.0005s' } }, /baseEjectionTime: only whole milliseconds/],
      [{ outlierDetection: { interval: 'soon' } }, /interval: "soon" is not a duration/],
      [{ outlierDetection: { maxEjectionPercent: 101 } }, /maxEjectionPercent: must be an integer from 0 to 100/],
      [{ outlierDetection: { consecutive5xxErrors: -1 } }, /consecutive5xxErrors: must be an integer/],
      [{ outlierDetection: { consecutiveLocalOriginFailures: 3 } }, /consecutiveLocalOriginFailures is set but splitExternalLocalOriginErrors is not true/],
      [{ outlierDetection: { outlierDetectionHttpErrorCodes: [503, 42] } }, /outlierDetectionHttpErrorCodes\[1\]: must be an HTTP status code/],
      [{ portLevelSettings: [{ loadBalancer: {} }] }, /portLevelSettings\[0\].port: must give a port number/],
      [{ portLevelSettings: [{ port: { number: 80 } }] }, /portLevelSettings\[0\]: a port traffic policy must have at least one field/],
      [{ portLevelSettings: [{ port: { number: 80 }, loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'a' }] } } }] }, /portLevelSettings\[0\].loadBalancer.localityLbSetting.failover\[0\]/],
    ];
    for (const [trafficPolicy, reason] of table) {
      const r = toDestinationRule({ metadata: meta, spec: { host: 'h', trafficPolicy } }, 'c1', 'cluster.local');
      assert.ok(!r.ok, `accepted: ${JSON.stringify(trafficPolicy)}`);
      assert.match(!r.ok ? r.error : '', reason);
      assert.match(!r.ok ? r.error : '', /^destinationrule sample\/hw in cluster c1: spec.trafficPolicy/);
    }
    // The same rules hold in a subset's policy.
    const sub = toDestinationRule({ metadata: meta, spec: { host: 'h', subsets: [{ name: 'v1', trafficPolicy: lls({ failover: [{ from: 'a', to: 'a' }] }) }] } }, 'c1', 'cluster.local');
    assert.match(!sub.ok ? sub.error : '', /spec.subsets\[0\].trafficPolicy.loadBalancer.localityLbSetting.failover\[0\]: from and to are the same region/);
  });

  it('VirtualService: matches, weighted routes, timeout', () => {
    const r = toVirtualService(
      {
        metadata: meta,
        spec: {
          hosts: ['helloworld'],
          http: [
            { name: 'canary', match: [{ headers: { 'X-Canary': { exact: 'yes' } } }, { uri: { prefix: '/helloworld.Greeter/' } }], route: [{ destination: { host: 'helloworld', subset: 'v2' } }], timeout: '2s' },
            { route: [{ destination: { host: 'helloworld', subset: 'v1' }, weight: 90 }, { destination: { host: 'helloworld', subset: 'v2', port: { number: 5000 } }, weight: 10 }] },
          ],
        },
      },
      'c1',
      'cluster.local',
    );
    assert.ok(r.ok);
    const vs = r.ok ? r.value : undefined;
    assert.deepEqual(vs?.hosts, ['helloworld.sample.svc.cluster.local']);
    assert.deepEqual(vs?.http[0]?.match, [{ headers: { 'x-canary': { exact: 'yes' } } }, { uri: { prefix: '/helloworld.Greeter/' } }]);
    assert.equal(vs?.http[0]?.timeout, '2s');
    assert.deepEqual(vs?.http[1]?.route.map((d) => [d.destination.subset, d.weight, d.destination.port]), [['v1', 90, undefined], ['v2', 10, 5000]]);
  });

  it('VirtualService refusals: weights not adding to 100, bad regex, no hosts', () => {
    const table: Array<[unknown, RegExp]> = [
      [{ http: [] }, /spec.hosts must name at least one host/],
      [{ hosts: ['h'], http: [{ route: [{ destination: { host: 'a' }, weight: 50 }, { destination: { host: 'b' }, weight: 40 }] }] }, /weights add up to 90, not 100/],
      [{ hosts: ['h'], http: [{ match: [{ uri: { regex: '(' } }], route: [{ destination: { host: 'a' } }] }] }, /regex does not compile/],
      [{ hosts: ['h'], http: [{ match: [{ uri: { exact: 'a', prefix: 'b' } }], route: [{ destination: { host: 'a' } }] }] }, /exactly one of exact, prefix, regex/],
      [{ hosts: ['h'], http: [{ route: [] }] }, /at least one destination/],
    ];
    for (const [spec, reason] of table) {
      const r = toVirtualService({ metadata: meta, spec }, 'c1', 'cluster.local');
      assert.ok(!r.ok, JSON.stringify(spec));
      assert.match(!r.ok ? r.error : '', reason);
    }
  });
});
