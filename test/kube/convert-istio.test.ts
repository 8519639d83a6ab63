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
