import { strict as assert } from 'node:assert';
import type { DestinationRule, VirtualService } from '../../src/model/istio-config.js';
import { IstioConfigIndex } from '../../src/xds/generators/istio-config-index.js';
import { clusterName, hostAliases, parseClusterName, qualifyTargetHost, splitHostPort } from '../../src/xds/generators/names.js';
import { lbOf } from '../../src/xds/generators/cds.js';
import { parseDurationMs } from '../../src/util/duration.js';

const H = 'helloworld.sample.svc.cluster.local';

describe('xDS names', () => {
  it('cluster names round-trip; anything else is not one', () => {
    assert.equal(clusterName(5000, 'v1', H), `outbound|5000|v1|${H}`);
    assert.deepEqual(parseClusterName(`outbound|5000||${H}`), { port: 5000, subset: '', host: H });
    for (const bad of ['inbound|5000||h', 'outbound|0||h', 'outbound|5000||', 'outbound|x||h', `outbound|5000|${H}`]) assert.equal(parseClusterName(bad), undefined, bad);
  });

  it('target hosts resolve like Kubernetes DNS search paths from the caller namespace', () => {
    assert.equal(qualifyTargetHost('helloworld', 'cluster.local', 'sample'), H);
    assert.equal(qualifyTargetHost('helloworld', 'cluster.local', ''), undefined);
    assert.equal(qualifyTargetHost('helloworld.sample', 'cluster.local', 'x'), H);
    assert.equal(qualifyTargetHost('helloworld.sample.svc', 'cluster.local', 'x'), H);
    assert.equal(qualifyTargetHost(`${H}.`, 'cluster.local', 'x'), H);
    assert.equal(qualifyTargetHost('api.example.com', 'cluster.local', 'x'), 'api.example.com');
    assert.deepEqual(splitHostPort('Helloworld.Sample:5000'), { host: 'helloworld.sample', port: 5000 });
    assert.equal(splitHostPort('helloworld.sample'), undefined);
    assert.equal(splitHostPort('helloworld:99999'), undefined);
  });

  it('virtual host domains cover every spelling, with and without the port', () => {
    const d = hostAliases(H, 5000, 'cluster.local');
    for (const want of [H, `${H}:5000`, 'helloworld.sample.svc:5000', 'helloworld.sample', 'helloworld.sample:5000', 'helloworld:5000']) assert.ok(d.includes(want), want);
  });

  it('durations', () => {
    assert.equal(parseDurationMs('1.5s'), 1500);
    assert.equal(parseDurationMs('1h2m'), 3_720_000);
    assert.equal(parseDurationMs('250ms'), 250);
    assert.equal(parseDurationMs('5'), undefined);
    assert.equal(parseDurationMs('5 s'), undefined);
  });

  it('load balancer per client kind', () => {
    assert.deepEqual(lbOf(undefined, true), { lbPolicy: 'ROUND_ROBIN' });
    assert.deepEqual(lbOf(undefined, false), { lbPolicy: 'LEAST_REQUEST' });
    assert.deepEqual(lbOf({ loadBalancer: { simple: 'RANDOM' } }, false), { lbPolicy: 'RANDOM' });
    assert.deepEqual(lbOf({ loadBalancer: { simple: 'RANDOM' } }, true), { lbPolicy: 'ROUND_ROBIN' });
    assert.deepEqual(lbOf({ loadBalancer: { simple: 'LEAST_CONN' } }, false), { lbPolicy: 'LEAST_REQUEST' });
    assert.deepEqual(lbOf({ loadBalancer: { consistentHash: { minimumRingSize: 64 } } }, true), { lbPolicy: 'RING_HASH', ringHash: { minimumRingSize: 64 } });
  });
});

describe('which DestinationRule / VirtualService applies', () => {
  const dr = (over: Partial<DestinationRule>): DestinationRule => ({ cluster: 'c1', namespace: 'sample', name: 'd', creationTimestamp: '2026-01-02T00:00:00Z', host: H, subsets: [], ...over });
  const vs = (over: Partial<VirtualService>): VirtualService => ({ cluster: 'c1', namespace: 'sample', name: 'v', creationTimestamp: '2026-01-02T00:00:00Z', hosts: [H], gateways: [], http: [], ...over });

  it('exact host before wildcard; own namespace before the root namespace before others; oldest; primary first', () => {
    const rules = [
      dr({ name: 'wild', host: '*.sample.svc.cluster.local', creationTimestamp: '2020-01-01T00:00:00Z' }),
      dr({ name: 'other-ns', namespace: 'elsewhere', creationTimestamp: '2020-01-01T00:00:00Z' }),
      dr({ name: 'root', namespace: 'istio-system', creationTimestamp: '2021-01-01T00:00:00Z' }),
      dr({ name: 'own-new', creationTimestamp: '2026-01-03T00:00:00Z' }),
      dr({ name: 'own-old-c2', cluster: 'c2', creationTimestamp: '2026-01-01T00:00:00Z' }),
      dr({ name: 'own-old-c1', cluster: 'c1', creationTimestamp: '2026-01-01T00:00:00Z' }),
    ];
    const index = (list: DestinationRule[]) => new IstioConfigIndex({ destinationRules: list, virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1', 'c2'] });
    assert.equal(index(rules).destinationRule(H)?.name, 'own-old-c1');
    assert.equal(index(rules).destinationRuleChoice(H).shadowed.length, 5);
    assert.equal(index(rules.filter((r) => !r.name.startsWith('own'))).destinationRule(H)?.name, 'root');
    assert.equal(index(rules.filter((r) => r.name === 'wild' || r.name === 'other-ns')).destinationRule(H)?.name, 'other-ns');
    assert.equal(index(rules.filter((r) => r.name === 'wild')).destinationRule(H)?.name, 'wild');
    assert.equal(index(rules).destinationRule('other.sample.svc.cluster.local')?.name, 'wild');
  });

  it('gateway-bound VirtualServices do not apply to mesh clients; "mesh" does', () => {
    const index = new IstioConfigIndex({
      destinationRules: [],
      virtualServices: [vs({ name: 'gw-only', gateways: ['istio-system/ingress'], creationTimestamp: '2020-01-01T00:00:00Z' }), vs({ name: 'mesh', gateways: ['mesh', 'ingress'] })],
      systemNamespace: 'istio-system',
      clusterOrder: ['c1'],
    });
    assert.equal(index.virtualService(H)?.name, 'mesh');
  });

  it('a subset policy overrides the rule policy only when it sets a load balancer', () => {
    const index = new IstioConfigIndex({
      destinationRules: [
        dr({
          trafficPolicy: { loadBalancer: { simple: 'RANDOM' } },
          subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } }, { name: 'v2', labels: { version: 'v2' }, trafficPolicy: {} }],
        }),
      ],
      virtualServices: [],
      systemNamespace: 'istio-system',
      clusterOrder: ['c1'],
    });
    assert.equal(index.trafficPolicy(H, 5000, 'v1')?.loadBalancer?.simple, 'ROUND_ROBIN');
    assert.equal(index.trafficPolicy(H, 5000, 'v2')?.loadBalancer?.simple, 'RANDOM');
    assert.equal(index.trafficPolicy(H, 5000, '')?.loadBalancer?.simple, 'RANDOM');
    assert.equal(index.subset(H, 'v3'), undefined);
  });
});
