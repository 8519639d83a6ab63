import { strict as assert } from 'node:assert';
import type { DestinationRule, LocalityLbSetting, TrafficPolicyFields } from '../../src/model/istio-config.js';
import { localityMatches, localityPatternSegments, localityPatternsOverlap, validateLocalityPattern } from '../../src/model/locality.js';
import { effectiveTrafficPolicy } from '../../src/model/traffic-policy.js';
import { ISTIO_DEFAULT_MESH_LOCALITY_LB, resolveLocalityLb } from '../../src/split-horizon/index.js';
import { parseDurationNs } from '../../src/util/duration.js';

const failoverLb: TrafficPolicyFields['loadBalancer'] = { localityLbSetting: { failover: [{ from: 'a', to: 'b' }], distribute: [], failoverPriority: [] } };
const od = { consecutive5xxErrors: 1 };

function rule(partial: Partial<DestinationRule>): DestinationRule {
  return { cluster: 'c1', namespace: 'ns', name: 'dr', creationTimestamp: '', host: 'h.ns.svc.cluster.local', subsets: [], ...partial };
}

describe('traffic policy in force for a cluster (istiod MergeSubsetTrafficPolicy)', () => {
  it('a port-level policy replaces the rule-level fields wholesale for its port only', () => {
    const dr = rule({ trafficPolicy: { loadBalancer: failoverLb, outlierDetection: od, portLevelSettings: [{ port: 5000, loadBalancer: { simple: 'ROUND_ROBIN' } }] } });
    assert.deepEqual(effectiveTrafficPolicy(dr, 5000), { loadBalancer: { simple: 'ROUND_ROBIN' } }, 'outlierDetection is not inherited');
    assert.equal(effectiveTrafficPolicy(dr, 8080)?.outlierDetection, od);
    assert.equal(effectiveTrafficPolicy(dr, 8080)?.loadBalancer, failoverLb);
    assert.equal(effectiveTrafficPolicy(undefined, 5000), undefined);
  });

  it("a subset's policy overrides field by field; its port-level policy replaces both fields", () => {
    const dr = rule({
      trafficPolicy: { loadBalancer: failoverLb },
      subsets: [
        { name: 'v1', labels: {}, trafficPolicy: { outlierDetection: od } },
        { name: 'v2', labels: {}, trafficPolicy: { outlierDetection: od, portLevelSettings: [{ port: 5000, outlierDetection: { consecutive5xxErrors: 9 } }] } },
      ],
    });
    assert.deepEqual(effectiveTrafficPolicy(dr, 5000, 'v1'), { loadBalancer: failoverLb, outlierDetection: od });
    assert.deepEqual(effectiveTrafficPolicy(dr, 5000, 'v2'), { outlierDetection: { consecutive5xxErrors: 9 } }, 'the load balancer is not inherited past a port-level policy');
    assert.deepEqual(effectiveTrafficPolicy(dr, 8080, 'v2'), { loadBalancer: failoverLb, outlierDetection: od });
    assert.equal(effectiveTrafficPolicy(dr, 5000, 'nope')?.loadBalancer, failoverLb, 'an unknown subset adds nothing');
    assert.deepEqual(effectiveTrafficPolicy(rule({ subsets: [{ name: 'v1', labels: {}, trafficPolicy: { outlierDetection: od } }] }), 5000, 'v1'), { outlierDetection: od });
  });
});

describe('locality load balancing policy resolution (istiod GetEffectiveLbSetting)', () => {
  const s = (x: Partial<LocalityLbSetting>): LocalityLbSetting => ({ distribute: [], failover: [], failoverPriority: [], ...x });

  it('distribute needs no outlier detection and wins over failoverPriority', () => {
    const p = resolveLocalityLb({ loadBalancer: { localityLbSetting: s({ distribute: [{ from: 'a', to: [{ locality: 'b/*', weight: 100 }] }], failoverPriority: ['x'] }) } }, ISTIO_DEFAULT_MESH_LOCALITY_LB);
    assert.equal(p.mode, 'distribute');
    assert.deepEqual(p.mode === 'distribute' && p.rules[0]!.to[0]!.segments, ['b']);
  });

  it('failover: failoverPriority alone orders by labels only; with failover, by locality too; the bare network key first is special', () => {
    const p1 = resolveLocalityLb({ outlierDetection: od, loadBalancer: { localityLbSetting: s({ failoverPriority: ['topology.istio.io/network', 'b=1'] }) } }, undefined);
    assert.deepEqual(p1.mode === 'failover' && [p1.networkFirst, p1.localityRanks, p1.failoverPriority], [true, false, [{ key: 'topology.istio.io/network', text: 'topology.istio.io/network' }, { key: 'b', value: '1', text: 'b=1' }]]);
    const p2 = resolveLocalityLb({ outlierDetection: od, loadBalancer: { localityLbSetting: s({ failoverPriority: ['topology.istio.io/network=n1'], failover: [{ from: 'a', to: 'b' }] }) } }, undefined);
    assert.deepEqual(p2.mode === 'failover' && [p2.networkFirst, p2.localityRanks], [false, true]);
  });

  it('the mesh default applies only without a rule setting', () => {
    assert.equal(resolveLocalityLb({ outlierDetection: od }, ISTIO_DEFAULT_MESH_LOCALITY_LB).mode, 'failover');
    assert.equal(resolveLocalityLb({ outlierDetection: od }, s({ enabled: false })).mode, 'off');
    assert.equal(resolveLocalityLb({ outlierDetection: od, loadBalancer: { localityLbSetting: s({}) } }, s({ enabled: false })).mode, 'failover');
    assert.equal(resolveLocalityLb(undefined, ISTIO_DEFAULT_MESH_LOCALITY_LB).mode, 'off');
  });
});

describe('locality patterns', () => {
  it('terminal wildcards and missing segments match anything; overlap is a shared prefix', () => {
    assert.deepEqual(localityPatternSegments('us-west/*'), ['us-west']);
    assert.deepEqual(localityPatternSegments('*'), []);
    const l = { region: 'us-west', zone: 'zone1', subzone: 'a' };
    for (const p of ['*', 'us-west', 'us-west/*', 'us-west/zone1', 'us-west/zone1/*', 'us-west/zone1/a']) assert.ok(localityMatches(localityPatternSegments(p), l), p);
    for (const p of ['us-east', 'us-west/zone2/*', 'us-west/zone1/b']) assert.ok(!localityMatches(localityPatternSegments(p), l), p);
    assert.ok(localityPatternsOverlap(['a'], ['a', 'z']));
    assert.ok(localityPatternsOverlap([], ['a']));
    assert.ok(!localityPatternsOverlap(['a', 'z1'], ['a', 'z2']));
    assert.equal(validateLocalityPattern('us-west/zone1/*'), undefined);
    assert.match(validateLocalityPattern('us-west/*/a') ?? '', /whole last segment/);
  });

  it('durations: exact nanoseconds, Go syntax', () => {
    assert.equal(parseDurationNs('1.0005s'), 1_000_500_000n);
    assert.equal(parseDurationNs('1h2m'), 3_720_000_000_000n);
    assert.equal(parseDurationNs('250ms'), 250_000_000n);
    assert.equal(parseDurationNs('5'), undefined);
    assert.equal(parseDurationNs('5s garbage'), undefined);
  });
});
