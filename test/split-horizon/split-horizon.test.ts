import { strict as assert } from 'node:assert';
import { assignmentEndpoints, MAX_TOTAL_WEIGHT, splitHorizon } from '../../src/split-horizon/index.js';
import type { Endpoint, Gateway, NetworkId } from '../../src/model/types.js';
import { allLbEndpoints, envoyShares, ep, gateways, gw, locality, sent } from './fixtures.js';

describe('eds/splitHorizon: the rules, by example', () => {
  describe('walkthrough: helloworld v1 on network1, v2 on network2 behind one gateway', () => {
    const endpoints = [
      ep('10.10.0.90', 'network1', { cluster: 'cluster1', pod: 'helloworld-v1-86f77cd7bd-cpxhv', locality: locality('r1', 'z1') }),
      ep('10.20.194.146', 'network2', { cluster: 'cluster2', pod: 'helloworld-v2-758dd55874-6x4t8', locality: locality('r2', 'z2') }),
    ];
    const gws = gateways(gw('network2', '192.23.120.32', { cluster: 'cluster2', port: 443 }));

    it('a sleep pod on network1 gets the v1 pod IP and the network2 gateway, 50/50', () => {
      const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network1' } });
      assert.deepEqual(sent(plan), ['10.10.0.90:5000=1', 'gw 192.23.120.32:443=1']);
      assert.deepEqual(plan.groups.map((g) => [g.kind, g.loadBalancingWeight]), [['direct', 1], ['gateway', 1]]);
      const gateway = plan.groups[1]!.lbEndpoints[0]!;
      assert.equal(gateway.kind, 'gateway');
      assert.equal(gateway.kind === 'gateway' && gateway.network, 'network2');
      assert.equal(gateway.kind === 'gateway' && gateway.endpointCount, 1);
      // The gateway group carries the remote pod's region/zone and a subzone naming it.
      assert.deepEqual(plan.groups[1]!.locality, locality('r2', 'z2', 'gateway.network2'));
      assert.deepEqual(plan.excluded, []);
      assert.deepEqual(
        plan.explain.networks.map((n) => [n.network, n.mode, n.share]),
        [
          ['network1', 'direct', '1/2'],
          ['network2', 'gateway', '1/2'],
        ],
      );
    });

    it('a caller on network2 gets the v2 pod IP; network1 has no gateway, so v1 is left out and reported', () => {
      const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network2' } });
      assert.deepEqual(sent(plan), ['10.20.194.146:5000=1']);
      assert.equal(plan.excluded.length, 1);
      assert.equal(plan.excluded[0]!.address, '10.10.0.90');
      assert.equal(plan.excluded[0]!.reason, 'no-gateway');
      assert.match(plan.excluded[0]!.detail, /network "network1" has no gateway/);
    });
  });

  it('no gateway anywhere: multi-network is off and every healthy endpoint goes direct, whatever its network', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.0.0.1', 'network1'), ep('10.0.0.2', 'network2'), ep('10.0.0.3', ''), ep('10.0.0.4', 'network2', { health: 'unhealthy' })],
      gateways: new Map(),
      view: { network: 'network1' },
    });
    assert.equal(plan.explain.multiNetwork, false);
    assert.deepEqual(sent(plan), ['10.0.0.1:5000=1', '10.0.0.2:5000=1', '10.0.0.3:5000=1']);
    assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [['10.0.0.4', 'unhealthy']]);
  });

  it('an endpoint with an unknown network is sent directly, even to a caller on another network', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.0.0.1', ''), ep('10.0.0.2', 'network2')],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.0.0.1:5000=1', 'gw 192.0.2.2:15443=1']);
  });

  it('1 ready pod on network1 and 3 on network2, caller on network1: network2 gets 75 %', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.2.0.1', 'network2'), ep('10.2.0.2', 'network2'), ep('10.2.0.3', 'network2')],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', 'gw 192.0.2.2:15443=3']);
    // gRPC picks the group by its weight: 1 vs 3.
    assert.deepEqual(plan.groups.map((g) => g.loadBalancingWeight), [1, 3]);
    assert.equal(envoyShares(plan).get('network2'), 0.75);
    assert.equal(plan.explain.networks.find((n) => n.network === 'network2')!.share, '3/4');
  });

  it("3 remote endpoints over 2 gateways: each gateway 3, each local endpoint 2 (istiod's example)", () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.2.0.1', 'network2'), ep('10.2.0.2', 'network2'), ep('10.2.0.3', 'network2')],
      gateways: gateways(gw('network2', '192.0.2.2'), gw('network2', '192.0.2.3')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=2', 'gw 192.0.2.2:15443=3', 'gw 192.0.2.3:15443=3']);
    assert.equal(plan.explain.scale, '2');
    assert.equal(plan.explain.divisor, '1');
  });

  it('weights are reduced by their GCD: 2 remote endpoints over 2 gateways weigh 1 each, like 1 local', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.1.0.2', 'network1'), ep('10.2.0.1', 'network2'), ep('10.2.0.2', 'network2')],
      gateways: gateways(gw('network2', '192.0.2.2'), gw('network2', '192.0.2.3')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', '10.1.0.2:5000=1', 'gw 192.0.2.2:15443=1', 'gw 192.0.2.3:15443=1']);
    assert.equal(plan.explain.divisor, '2');
  });

  it('a remote network without gateway is dropped with reason no-gateway (istiod would send the pod IP)', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.3.0.1', 'network3', { pod: 'p3' })],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1']);
    assert.deepEqual(plan.excluded, [
      {
        address: '10.3.0.1',
        port: 5000,
        network: 'network3',
        cluster: 'cluster-network3',
        podName: 'p3',
        reason: 'no-gateway',
        detail: 'network "network3" has no gateway reachable from network "network1"',
      },
    ]);
  });

  it('a caller with no NETWORK goes through gateways for known networks; unknown-network pods go direct; gateway-less networks are dropped', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.2.0.1', 'network2'), ep('10.3.0.1', 'network3'), ep('10.9.0.1', '')],
      gateways: gateways(gw('network1', '192.0.2.1'), gw('network2', '192.0.2.2')),
      view: { network: '' },
    });
    assert.deepEqual(sent(plan), ['10.9.0.1:5000=1', 'gw 192.0.2.1:15443=1', 'gw 192.0.2.2:15443=1']);
    assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [['10.3.0.1', 'no-gateway']]);
    assert.match(plan.excluded[0]!.detail, /caller has no network/);
  });

  describe('REQUESTED_NETWORK_VIEW', () => {
    const endpoints = [ep('10.1.0.1', 'network1'), ep('10.2.0.1', 'network2'), ep('10.3.0.1', 'network3'), ep('10.9.0.1', '')];
    const gws = gateways(gw('network2', '192.0.2.2'), gw('network3', '192.0.2.3'));

    it('drops networks outside the list, keeps unknown-network endpoints (as istiod)', () => {
      const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network1', requestedNetworks: ['network1', 'network2'] } });
      assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', '10.9.0.1:5000=1', 'gw 192.0.2.2:15443=1']);
      assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [['10.3.0.1', 'outside-requested-view']]);
      assert.deepEqual(plan.explain.requestedNetworks, ['network1', 'network2']);
    });

    it("does not imply the caller's own network (as istiod: the list is what the caller asked for)", () => {
      const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network1', requestedNetworks: ['network3'] } });
      assert.deepEqual(sent(plan), ['10.9.0.1:5000=1', 'gw 192.0.2.3:15443=1']);
      assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [
        ['10.1.0.1', 'outside-requested-view'],
        ['10.2.0.1', 'outside-requested-view'],
      ]);
    });

    it('applies even when no gateway exists (istiod skips it then)', () => {
      const plan = splitHorizon({ endpoints, gateways: new Map(), view: { network: 'network1', requestedNetworks: ['network1'] } });
      assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', '10.9.0.1:5000=1']);
    });

    it('an empty list means every network', () => {
      const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network1', requestedNetworks: [] } });
      assert.equal(plan.excluded.length, 0);
      assert.equal(plan.explain.requestedNetworks, undefined);
    });
  });

  it('unhealthy and terminating endpoints are neither sent nor counted in any share', () => {
    const plan = splitHorizon({
      endpoints: [
        ep('10.1.0.1', 'network1'),
        ep('10.1.0.2', 'network1', { health: 'terminating' }),
        ep('10.2.0.1', 'network2'),
        ep('10.2.0.2', 'network2', { health: 'unhealthy' }),
        ep('10.2.0.3', 'network2', { health: 'terminating' }),
      ],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', 'gw 192.0.2.2:15443=1']);
    assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [
      ['10.1.0.2', 'terminating'],
      ['10.2.0.2', 'unhealthy'],
      ['10.2.0.3', 'terminating'],
    ]);
    const gateway = allLbEndpoints(plan)[1]!;
    assert.equal(gateway.kind === 'gateway' && gateway.endpointCount, 1);
  });

  it('each gateway appears once per assignment with its full weight, even when remote pods span localities (istio#56355)', () => {
    const plan = splitHorizon({
      endpoints: [
        ep('10.1.0.1', 'network1', { locality: locality('r1', 'a') }),
        ep('10.2.0.1', 'network2', { locality: locality('r2', 'a') }),
        ep('10.2.0.2', 'network2', { locality: locality('r2', 'b') }),
        ep('10.2.0.3', 'network2', { locality: locality('r3', 'c') }),
      ],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', 'gw 192.0.2.2:15443=3']);
    // The remote pods share no region, so the gateway group claims none.
    assert.deepEqual(plan.groups[1]!.locality, locality('', '', 'gateway.network2'));
  });

  it('prefers the gateways in the endpoint\'s own cluster (as istiod); weights stay exact and groups uniform', () => {
    const plan = splitHorizon({
      endpoints: [
        ep('10.1.0.1', 'network1'),
        ep('10.2.0.1', 'network2', { cluster: 'c2a' }),
        ep('10.2.0.2', 'network2', { cluster: 'c2a' }),
        ep('10.2.0.3', 'network2', { cluster: 'c2a' }),
        ep('10.2.1.1', 'network2', { cluster: 'c2b' }),
        ep('10.2.9.1', 'network2', { cluster: 'c2-no-gateway' }),
      ],
      gateways: gateways(gw('network2', '192.0.2.1', { cluster: 'c2a' }), gw('network2', '192.0.2.2', { cluster: 'c2b' })),
      view: { network: 'network1' },
    });
    // c2a's 3 pods -> gateway 1; c2b's pod -> gateway 2; the pod of a cluster without its own gateway is
    // split over both. Scale 2: local 2, gw1 = 3*2 + 1 = 7, gw2 = 1*2 + 1 = 3.
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=2', 'gw 192.0.2.1:15443=7', 'gw 192.0.2.2:15443=3']);
    // Different weights -> separate groups, each with a unique locality.
    assert.deepEqual(plan.groups.map((g) => [g.locality.subzone, g.loadBalancingWeight]), [
      ['', 2],
      ['gateway.network2', 7],
      ['gateway.network2~2', 3],
    ]);
    assert.equal(plan.explain.networks.find((n) => n.network === 'network2')!.share, '5/6');
  });

  it('a gateway address:port listed for two networks is used once, for the first network, and reported', () => {
    const shared: Gateway = gw('network3', '192.0.2.2');
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1'), ep('10.2.0.1', 'network2'), ep('10.3.0.1', 'network3')],
      gateways: gateways(gw('network2', '192.0.2.2'), shared),
      view: { network: 'network1' },
    });
    assert.deepEqual(sent(plan), ['10.1.0.1:5000=1', 'gw 192.0.2.2:15443=1']);
    assert.deepEqual(plan.excluded.map((e) => [e.address, e.reason]), [['10.3.0.1', 'no-gateway']]);
    assert.equal(plan.explain.ignoredGateways.length, 1);
    assert.equal(plan.explain.ignoredGateways[0]!.gateway, shared);
    assert.match(plan.explain.ignoredGateways[0]!.reason, /already the gateway of network "network2"/);
  });

  it('a gateway group never takes the locality of a pod group, even one named like it', () => {
    const plan = splitHorizon({
      endpoints: [ep('10.1.0.1', 'network1', { locality: locality('r', 'z', 'gateway.network2') }), ep('10.2.0.1', 'network2', { locality: locality('r', 'z') })],
      gateways: gateways(gw('network2', '192.0.2.2')),
      view: { network: 'network1' },
    });
    assert.deepEqual(plan.groups.map((g) => g.locality), [locality('r', 'z', 'gateway.network2'), locality('r', 'z', 'gateway.network2~2')]);
  });

  it('direct endpoints are grouped by locality, groups and endpoints sorted', () => {
    const plan = splitHorizon({
      endpoints: [
        ep('10.1.0.3', 'network1', { locality: locality('r1', 'b') }),
        ep('10.1.0.2', 'network1', { locality: locality('r1', 'a') }),
        ep('10.1.0.1', 'network1', { locality: locality('r1', 'b') }),
      ],
      gateways: new Map(),
      view: { network: 'network1' },
    });
    assert.deepEqual(
      plan.groups.map((g) => [g.locality.zone, g.loadBalancingWeight, g.lbEndpoints.map((e) => e.address)]),
      [
        ['a', 1, ['10.1.0.2']],
        ['b', 2, ['10.1.0.1', '10.1.0.3']],
      ],
    );
  });

  it('no endpoint left: an empty plan, not an error', () => {
    const plan = splitHorizon({ endpoints: [ep('10.2.0.1', 'network2', { health: 'terminating' })], gateways: new Map(), view: { network: 'n1' } });
    assert.deepEqual(plan.groups, []);
    assert.equal(plan.explain.totalWeight, 0);
  });

  it('absurd gateway-count mixes: the exact weights would pass uint32, so they are capped (documented rule)', () => {
    // Networks with 1..23 gateways: LCM(1..23) = 5 354 228 880 > 2^32 on its own.
    const list: Gateway[] = [];
    const endpoints = [ep('10.0.0.1', 'local')];
    for (let n = 1; n <= 23; n++) {
      for (let g = 0; g < n; g++) list.push(gw(`net${n}`, `192.0.${n}.${g}`));
      endpoints.push(ep(`10.${n}.0.1`, `net${n}`));
    }
    const plan = splitHorizon({ endpoints, gateways: gateways(...list), view: { network: 'local' } });
    assert.equal(plan.explain.scale, '5354228880');
    assert.equal(plan.explain.capped, true);
    assert.ok(BigInt(plan.explain.totalWeight) <= MAX_TOTAL_WEIGHT);
    for (const g of plan.groups) {
      assert.equal(g.loadBalancingWeight, g.lbEndpoints.reduce((s, e) => s + e.loadBalancingWeight, 0));
      for (const e of g.lbEndpoints) assert.ok(Number.isInteger(e.loadBalancingWeight) && e.loadBalancingWeight >= 1);
      assert.equal(new Set(g.lbEndpoints.map((e) => e.loadBalancingWeight)).size, 1);
    }
    // Shares stay right to within a few parts per billion: each of the 24 networks gets 1/24.
    for (const [, share] of envoyShares(plan)) assert.ok(Math.abs(share - 1 / 24) < 1e-8, String(share));
  });

  it('without the cap, large plans keep exact weights (10 000 local + 10 000 remote over 4 gateways)', () => {
    const endpoints = [];
    for (let i = 0; i < 10_000; i++) {
      endpoints.push(ep(`10.1.${i >> 8}.${i & 255}`, 'network1'));
      endpoints.push(ep(`10.2.${i >> 8}.${i & 255}`, 'network2'));
    }
    const gws = gateways(...[1, 2, 3, 4].map((i) => gw('network2', `192.0.2.${i}`)));
    const plan = splitHorizon({ endpoints, gateways: gws, view: { network: 'network1' } });
    assert.equal(plan.explain.capped, false);
    assert.equal(plan.explain.networks.find((n) => n.network === 'network2')!.share, '1/2');
    assert.deepEqual(plan.groups.at(-1)!.lbEndpoints.map((e) => e.loadBalancingWeight), [2500, 2500, 2500, 2500]);
  });
});

describe('eds/assignmentEndpoints', () => {
  const base = (address: string, ports: Record<string, number>, labels: Record<string, string>): Endpoint => ({
    address,
    ports,
    cluster: 'cluster1',
    network: 'network1' as NetworkId,
    locality: locality('r', 'z'),
    health: 'healthy',
    namespace: 'sample',
    podName: `pod-${address}`,
    labels,
  });

  it('keeps endpoints serving the port name, and matching every subset label', () => {
    const endpoints = [
      base('10.0.0.1', { grpc: 5000 }, { app: 'helloworld', version: 'v1' }),
      base('10.0.0.2', { grpc: 5001 }, { app: 'helloworld', version: 'v2' }),
      base('10.0.0.3', { http: 8080 }, { app: 'helloworld', version: 'v1' }),
    ];
    assert.deepEqual(
      assignmentEndpoints(endpoints, 'grpc').map((e) => `${e.address}:${e.port}`),
      ['10.0.0.1:5000', '10.0.0.2:5001'],
    );
    const v2 = assignmentEndpoints(endpoints, 'grpc', { version: 'v2' });
    assert.deepEqual(v2.map((e) => [e.address, e.podName, e.network]), [['10.0.0.2', 'pod-10.0.0.2', 'network1']]);
    assert.deepEqual(assignmentEndpoints(endpoints, 'grpc', { version: 'v3' }), []);
  });
});
