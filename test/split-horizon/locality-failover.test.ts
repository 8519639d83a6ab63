// Locality load balancing in the split-horizon decision, rule by rule, with Istio's documented examples
// (istio/api destination_rule.proto, LocalityLoadBalancerSetting and OutlierDetection).
import { strict as assert } from 'node:assert';
import { failoverView, failoverViewKey, splitHorizon, callerLocality } from '../../src/split-horizon/index.js';
import { ep, gateways, gw, locality } from './fixtures.js';
import { caller, envoyLevelShares, grpcLevelShares, levels, planFor, policyOf, setting } from './locality-fixtures.js';

const at = (region: string, zone = '', subzone = '') => locality(region, zone, subzone);
const none = new Map();

describe('split horizon: locality failover', () => {
  describe('which mode applies', () => {
    const eps = [ep('10.0.0.1', 'n1', { locality: at('r1', 'z1', 's1') }), ep('10.0.0.2', 'n1', { locality: at('r2', 'z1', 's1') })];
    const me = caller('n1', 'r1', 'z1', 's1');

    it('outlierDetection alone turns the default region/zone/subzone failover on (mesh default enabled: true)', () => {
      const plan = planFor(eps, none, { caller: me });
      assert.deepEqual(levels(plan), [['10.0.0.1'], ['10.0.0.2']]);
      assert.equal(plan.explain.localityLb?.mode, 'failover');
      assert.equal(plan.explain.localityLb?.source, 'mesh');
    });

    it('without outlierDetection there are no priorities: failover could never be detected', () => {
      const plan = planFor(eps, none, { caller: me, outlier: false, lb: setting({ failover: [{ from: 'r1', to: 'r2' }] }) });
      assert.deepEqual(levels(plan), [['10.0.0.1', '10.0.0.2']]);
      assert.equal(plan.explain.localityLb?.mode, 'off');
      assert.match(plan.explain.localityLb?.reason ?? '', /outlierDetection/);
    });

    it('enabled: false in the DestinationRule, or in the mesh without a DestinationRule setting, turns it off', () => {
      assert.deepEqual(levels(planFor(eps, none, { caller: me, lb: setting({ enabled: false }) })), [['10.0.0.1', '10.0.0.2']]);
      const meshOff = planFor(eps, none, { caller: me, mesh: setting({ enabled: false }) });
      assert.deepEqual(levels(meshOff), [['10.0.0.1', '10.0.0.2']]);
      assert.match(meshOff.explain.localityLb?.reason ?? '', /mesh config/);
      assert.deepEqual(levels(planFor(eps, none, { caller: me, mesh: undefined })), [['10.0.0.1', '10.0.0.2']], 'no mesh default, no rule setting');
    });

    it("the DestinationRule's setting replaces the mesh's entirely (enabled: true over a mesh that is off)", () => {
      const plan = planFor(eps, none, { caller: me, lb: setting({ enabled: true }), mesh: setting({ enabled: false }) });
      assert.deepEqual(levels(plan), [['10.0.0.1'], ['10.0.0.2']]);
      assert.equal(plan.explain.localityLb?.source, 'destinationrule');
    });

    it('no locality input at all: the same plan as the policy off, without the localityLb explanation', () => {
      const plain = splitHorizon({ endpoints: eps, gateways: none, view: { network: 'n1' } });
      const off = planFor(eps, none, { caller: me, outlier: false });
      assert.deepEqual(plain.groups, off.groups);
      assert.equal(plain.explain.localityLb, undefined);
    });
  });

  describe('default failover by locality', () => {
    it('same subzone, then same zone, then same region, then anywhere; priorities stay contiguous', () => {
      const eps = [
        ep('10.0.0.1', 'n1', { locality: at('r1', 'z1', 's1') }),
        ep('10.0.0.2', 'n1', { locality: at('r1', 'z1', 's2') }),
        ep('10.0.0.3', 'n1', { locality: at('r1', 'z2', 's1') }),
        ep('10.0.0.4', 'n1', { locality: at('r2', 'z1', 's1') }),
        ep('10.0.0.5', 'n1', { locality: at('r3', 'z1', 's1') }),
      ];
      const me = caller('n1', 'r1', 'z1', 's1');
      assert.deepEqual(levels(planFor(eps, none, { caller: me })), [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3'], ['10.0.0.4', '10.0.0.5']]);
      // Zone z1 of r1 gone entirely: what was priority 2 is now 0.
      assert.deepEqual(levels(planFor(eps.slice(2), none, { caller: me })), [['10.0.0.3'], ['10.0.0.4', '10.0.0.5']]);
      const why = planFor(eps, none, { caller: me }).explain.localityLb?.levels?.map((l) => [l.priority, l.reason.locality]);
      assert.deepEqual(why, [[0, 'same-subzone'], [1, 'same-zone'], [2, 'same-region'], [3, 'other-region']]);
    });

    it('failover: us-east fails over to eu-west, us-west to us-east (the API example)', () => {
      const lb = setting({ failover: [{ from: 'us-east', to: 'eu-west' }, { from: 'us-west', to: 'us-east' }] });
      const eps = [ep('10.0.0.1', 'n1', { locality: at('us-east', 'z1') }), ep('10.0.0.2', 'n1', { locality: at('eu-west', 'z1') }), ep('10.0.0.3', 'n1', { locality: at('us-west', 'z1') })];
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1', 'us-east', 'z1'), lb })), [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3']]);
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1', 'us-west', 'z1'), lb })), [['10.0.0.3'], ['10.0.0.1'], ['10.0.0.2']]);
      // No failover rule for eu-west: every other region is equally next.
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1', 'eu-west', 'z1'), lb })), [['10.0.0.2'], ['10.0.0.1', '10.0.0.3']]);
      const reasons = planFor(eps, none, { caller: caller('n1', 'us-east', 'z1'), lb }).explain.localityLb?.levels?.map((l) => l.reason.locality);
      assert.deepEqual(reasons, ['same-subzone', 'failover-region', 'not-failover-region']);
    });
  });

  describe('failoverPriority', () => {
    it('[network, region, zone, subzone] (the API example): own network by locality, then other networks through their gateway', () => {
      const lb = setting({ failoverPriority: ['topology.istio.io/network', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone'] });
      const eps = [
        ep('10.1.0.1', 'n1', { locality: at('r1', 'z1', 's1') }),
        ep('10.1.0.2', 'n1', { locality: at('r1', 'z1', 's2') }),
        ep('10.1.0.3', 'n1', { locality: at('r1', 'z2', 's1') }),
        ep('10.1.0.4', 'n1', { locality: at('r2', 'z1', 's1') }),
        ep('10.2.0.1', 'n2', { locality: at('r1', 'z1', 's1') }),
        ep('10.2.0.2', 'n2', { locality: at('r9', 'z9', 's9') }),
      ];
      const plan = planFor(eps, gateways(gw('n2', '192.0.2.2')), { caller: caller('n1', 'r1', 'z1', 's1'), lb });
      assert.deepEqual(levels(plan), [['10.1.0.1'], ['10.1.0.2'], ['10.1.0.3'], ['10.1.0.4'], ['gw 192.0.2.2']]);
      // The gateway stands at the best rank of its endpoints, with their weight only; 10.2.0.2 is behind it.
      const gwEndpoint = plan.groups[4]!.lbEndpoints[0]!;
      assert.equal(gwEndpoint.kind === 'gateway' && gwEndpoint.endpointCount, 1);
      const ranks = plan.explain.localityLb?.levels?.map((l) => [l.rank, l.priority, l.direct, l.viaGateways, l.hidden]);
      assert.deepEqual(ranks, [[0, 0, 1, 0, 0], [1, 1, 1, 0, 0], [2, 2, 1, 0, 0], [3, 3, 1, 0, 0], [4, 4, 0, 1, 0], [7, undefined, 0, 0, 1]]);
      const last = plan.explain.localityLb!.levels![5]!.reason;
      assert.deepEqual(last.failoverPriority, { matched: [], differs: 'topology.kubernetes.io/region', otherNetwork: true });
    });

    it('gateways take the locality and labels of the endpoints they stand for (istio/istio#49500)', () => {
      // istiod ranks a gateway by its own (empty) labels: it would land last. Here it shares priority 0 with
      // the local pod of the caller's zone, because the remote pod it stands for is in that zone too.
      const lb = setting({ failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'app.example.com/tier'] });
      const eps = [
        ep('10.1.0.1', 'n1', { locality: at('r1', 'z1'), labels: { 'app.example.com/tier': 'gold' } }),
        ep('10.1.0.2', 'n1', { locality: at('r1', 'z2'), labels: { 'app.example.com/tier': 'gold' } }),
        ep('10.2.0.1', 'n2', { locality: at('r1', 'z1'), labels: { 'app.example.com/tier': 'gold' } }),
        ep('10.2.0.2', 'n2', { locality: at('r1', 'z1'), labels: { 'app.example.com/tier': 'bronze' } }),
      ];
      const me = caller('n1', 'r1', 'z1', '', { 'app.example.com/tier': 'gold' });
      const plan = planFor(eps, gateways(gw('n2', '192.0.2.2')), { caller: me, lb });
      assert.deepEqual(levels(plan), [['10.1.0.1', 'gw 192.0.2.2'], ['10.1.0.2']]);
      // One local pod and one remote pod (the gold one) at priority 0: half each, for both kinds of client.
      for (const shares of [envoyLevelShares(plan), grpcLevelShares(plan)]) {
        assert.deepEqual([...shares[0]!.entries()].sort(), [['10.1.0.1', 0.5], ['192.0.2.2', 0.5]]);
      }
    });

    it('["version=v1", "topology.istio.io/cluster=clusterA"] (the API example) compares endpoints with the given values, whoever calls', () => {
      const lb = setting({ failoverPriority: ['version=v1', 'topology.istio.io/cluster=clusterA'] });
      const eps = [
        ep('10.0.0.1', 'n1', { cluster: 'clusterA', labels: { version: 'v1' } }),
        ep('10.0.0.2', 'n1', { cluster: 'clusterB', labels: { version: 'v1' } }),
        ep('10.0.0.3', 'n1', { cluster: 'clusterA', labels: { version: 'v2' } }),
        ep('10.0.0.4', 'n1', { cluster: 'clusterB' }),
      ];
      const a = caller('n1', 'r1', 'z1', '', { version: 'v2' }, 'clusterB');
      const b = caller('n1', 'r7', 'z7', '', {}, 'clusterC');
      assert.deepEqual(levels(planFor(eps, none, { caller: a, lb })), [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3', '10.0.0.4']]);
      const policy = policyOf({ lb });
      assert.equal(failoverViewKey(a, policy), failoverViewKey(b, policy), 'nothing about the caller matters');
    });

    it("bare keys compare with the caller's labels; a label neither side has matches", () => {
      const lb = setting({ failoverPriority: ['version'] });
      const eps = [ep('10.0.0.1', 'n1', { labels: { version: 'v1' } }), ep('10.0.0.2', 'n1', { labels: { version: 'v2' } }), ep('10.0.0.3', 'n1')];
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1', '', '', '', { version: 'v2' }), lb })), [['10.0.0.2'], ['10.0.0.1', '10.0.0.3']]);
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1'), lb })), [['10.0.0.3'], ['10.0.0.1', '10.0.0.2']]);
    });

    it('topology keys are filled in on both sides: cluster from CLUSTER_ID, node name, the network label before NETWORK', () => {
      const lb = setting({ failoverPriority: ['topology.istio.io/cluster', 'kubernetes.io/hostname'] });
      const eps = [ep('10.0.0.1', 'n1', { cluster: 'c1', node: 'node-a' }), ep('10.0.0.2', 'n1', { cluster: 'c1', node: 'node-b' }), ep('10.0.0.3', 'n1', { cluster: 'c2', node: 'node-a' })];
      const me = { ...caller('n1', '', '', '', {}, 'c1'), nodeName: 'node-a' };
      assert.deepEqual(levels(planFor(eps, none, { caller: me, lb })), [['10.0.0.1'], ['10.0.0.2'], ['10.0.0.3']]);
      const byNetwork = policyOf({ lb: setting({ failoverPriority: ['topology.istio.io/network'] }) });
      assert.deepEqual(failoverView(caller('n1', '', '', '', { 'topology.istio.io/network': 'n9' }), byNetwork).values, ['n9']);
      assert.deepEqual(failoverView(caller('n1'), byNetwork).values, ['n1']);
    });

    it('with failover too (istio/istio#47068): failoverPriority first, then locality with the failover region inside each level', () => {
      const lb = setting({ failoverPriority: ['topology.istio.io/network'], failover: [{ from: 'r1', to: 'r2' }] });
      const eps = [
        ep('10.1.0.1', 'n1', { locality: at('r1', 'z1') }),
        ep('10.1.0.2', 'n1', { locality: at('r3', 'z1') }),
        ep('10.1.0.3', 'n1', { locality: at('r2', 'z1') }),
        ep('10.2.0.1', 'n2', { locality: at('r1', 'z1') }),
        ep('10.2.0.2', 'n2', { locality: at('r2', 'z1') }),
      ];
      const plan = planFor(eps, gateways(gw('n2', '192.0.2.2')), { caller: caller('n1', 'r1', 'z1'), lb });
      assert.deepEqual(levels(plan), [['10.1.0.1'], ['10.1.0.3'], ['10.1.0.2'], ['gw 192.0.2.2']]);
      assert.deepEqual(
        plan.explain.localityLb?.levels?.map((l) => l.rank),
        [0, 3, 4, 5, 8],
      );
    });
  });

  describe('distribute', () => {
    const lb = setting({
      distribute: [
        { from: 'us-west/zone1/*', to: [{ locality: 'us-west/zone1/*', weight: 80 }, { locality: 'us-west/zone2/*', weight: 20 }] },
        { from: 'us-west/zone2/*', to: [{ locality: 'us-west/zone1/*', weight: 20 }, { locality: 'us-west/zone2/*', weight: 80 }] },
      ],
    });
    const eps = [
      ep('10.0.0.1', 'n1', { locality: at('us-west', 'zone1', 'a') }),
      ep('10.0.0.2', 'n1', { locality: at('us-west', 'zone1', 'b') }),
      ep('10.0.0.3', 'n1', { locality: at('us-west', 'zone1', 'a') }),
      ep('10.2.0.1', 'n2', { locality: at('us-west', 'zone2', 'a') }),
      ep('10.0.0.9', 'n1', { locality: at('us-east', 'zone1', 'a') }),
    ];
    const gws = gateways(gw('n2', '192.0.2.2'));

    it('the API example: 80 % to zone1 split over its pods, 20 % to zone2 (here behind a gateway), all at priority 0', () => {
      const plan = planFor(eps, gws, { caller: caller('n1', 'us-west', 'zone1', 'x'), lb, outlier: false });
      assert.deepEqual(levels(plan), [['10.0.0.1', '10.0.0.2', '10.0.0.3', 'gw 192.0.2.2']]);
      for (const shares of [envoyLevelShares(plan), grpcLevelShares(plan)]) {
        const s = shares[0]!;
        for (const a of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) assert.ok(Math.abs(s.get(a)! - 0.8 / 3) < 1e-12, `${a}: ${s.get(a)}`);
        assert.ok(Math.abs(s.get('192.0.2.2')! - 0.2) < 1e-12);
      }
      // Any locality not present receives no traffic.
      assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [['10.0.0.9', 'not-in-distribute']]);
      assert.deepEqual(plan.explain.localityLb?.distribute?.to.map((t) => t.endpoints), [3, 1]);
    });

    it('from zone2 the weights turn around; a caller no rule is from gets plain weights', () => {
      const plan = planFor(eps, gws, { caller: caller('n1', 'us-west', 'zone2'), lb });
      assert.ok(Math.abs(envoyLevelShares(plan)[0]!.get('192.0.2.2')! - 0.8) < 1e-12);
      const east = planFor(eps, gws, { caller: caller('n1', 'us-east', 'zone1'), lb });
      assert.deepEqual(levels(east), [['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.9', 'gw 192.0.2.2']]);
      assert.equal(east.excluded.length, 0);
      assert.equal(east.explain.localityLb?.distribute?.from, undefined);
      const policy = policyOf({ lb });
      assert.equal(failoverViewKey(caller('n1', 'us-east', 'zone1'), policy), 'd-1');
      assert.equal(failoverViewKey(caller('n1', 'us-west', 'zone1', 'a'), policy), failoverViewKey(caller('n1', 'us-west', 'zone1', 'b'), policy));
    });
  });

  describe('gateways across priorities', () => {
    it('each gateway once, at the best rank of what it stands for; a route with another gateway still serves its own rank', () => {
      // n2 has a gateway in each cluster: c2 (pods of c2) and c3 (pods of c3).
      const eps = [
        ep('10.1.0.1', 'n1', { locality: at('r1', 'z1') }),
        ep('10.2.0.1', 'n2', { cluster: 'c2', locality: at('r1', 'z1') }),
        ep('10.2.0.2', 'n2', { cluster: 'c2', locality: at('r1', 'z2') }),
        ep('10.3.0.1', 'n2', { cluster: 'c3', locality: at('r1', 'z2') }),
        ep('10.3.0.2', 'n2', { cluster: 'c3', locality: at('r1', 'z2') }),
      ];
      const gws = gateways(gw('n2', '192.0.2.2', { cluster: 'c2' }), gw('n2', '192.0.2.3', { cluster: 'c3' }));
      const plan = planFor(eps, gws, { caller: caller('n1', 'r1', 'z1') });
      assert.deepEqual(levels(plan), [['10.1.0.1', 'gw 192.0.2.2'], ['gw 192.0.2.3']]);
      const addresses = plan.groups.flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}`));
      assert.equal(new Set(addresses).size, addresses.length);
      // 10.2.0.2 (rank 2) is behind 192.0.2.2, placed at rank 0: hidden at its own rank.
      const rank2 = plan.explain.localityLb!.levels!.find((l) => l.rank === 2)!;
      assert.deepEqual([rank2.priority, rank2.viaGateways, rank2.hidden], [1, 2, 1]);
    });

    it('a caller without a locality: every locality compares equal to none, so pods without one come first', () => {
      const eps = [ep('10.0.0.1', 'n1', { locality: at('') }), ep('10.0.0.2', 'n1', { locality: at('r1') })];
      assert.deepEqual(levels(planFor(eps, none, { caller: caller('n1') })), [['10.0.0.1'], ['10.0.0.2']]);
    });
  });

  describe('the failover view (what the cache key grows by)', () => {
    it('off: nothing; default failover: the locality only; failoverPriority: only the named labels', () => {
      const a = caller('n1', 'r1', 'z1', 's1', { app: 'x', version: 'v1' });
      const b = caller('n1', 'r1', 'z1', 's1', { app: 'y', version: 'v1' });
      assert.equal(failoverViewKey(a, policyOf({ outlier: false })), '');
      const byLocality = policyOf({});
      assert.equal(failoverViewKey(a, byLocality), failoverViewKey(b, byLocality));
      assert.notEqual(failoverViewKey(a, byLocality), failoverViewKey(caller('n1', 'r1', 'z1', 's2'), byLocality));
      const byVersion = policyOf({ lb: setting({ failoverPriority: ['version'] }) });
      assert.equal(failoverViewKey(a, byVersion), failoverViewKey({ ...b, locality: at('r9') }, byVersion), 'locality does not matter without failover');
      assert.notEqual(failoverViewKey(a, byVersion), failoverViewKey(caller('n1', 'r1', 'z1', 's1', { version: 'v2' }), byVersion));
      // Keys cannot collide through separators in values.
      const byTwo = policyOf({ lb: setting({ failoverPriority: ['a', 'b'] }) });
      assert.notEqual(failoverViewKey(caller('n1', '', '', '', { a: 'x,y', b: '' }), byTwo), failoverViewKey(caller('n1', '', '', '', { a: 'x', b: 'y' }), byTwo));
    });

    it("the caller's locality: its region/zone/subzone labels, else its istio-locality label, else the node locality", () => {
      assert.deepEqual(callerLocality(caller('n1', 'r1', 'z1', 's1', { 'topology.kubernetes.io/region': 'lr' })), at('lr'));
      assert.deepEqual(callerLocality(caller('n1', 'r1', 'z1', 's1', { 'istio-locality': 'ir.iz.is' })), at('ir', 'iz', 'is'));
      assert.deepEqual(callerLocality(caller('n1', 'r1', 'z1', 's1')), at('r1', 'z1', 's1'));
    });
  });
});
