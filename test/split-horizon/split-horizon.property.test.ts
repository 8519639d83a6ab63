// Properties of splitHorizon over random meshes: networks with 0-3 gateways each (some in the
// endpoints' clusters, some not), endpoints of every health on known and unknown networks, callers
// on every network (and none), with and without REQUESTED_NETWORK_VIEW.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { MAX_TOTAL_WEIGHT, splitHorizon, type AssignmentPlan } from '../../src/split-horizon/index.js';
import type { NetworkId } from '../../src/model/types.js';
import { localityKey } from '../../src/split-horizon/localities.js';
import { expectedSent, isDirectFor, Q, scenarioArb, shuffled, type Scenario } from './scenarios.js';

function expectedShares(s: Scenario): Map<NetworkId, Q> {
  const sentEps = expectedSent(s);
  const out = new Map<NetworkId, Q>();
  for (const e of sentEps) out.set(e.network, (out.get(e.network) ?? Q.of(0)).add(Q.of(1, sentEps.length)));
  return out;
}

function envoyShares(plan: AssignmentPlan): Map<NetworkId, Q> {
  const all = plan.groups.flatMap((g) => g.lbEndpoints);
  const total = all.reduce((t, e) => t + BigInt(e.loadBalancingWeight), 0n);
  const out = new Map<NetworkId, Q>();
  for (const e of all) out.set(e.network, (out.get(e.network) ?? Q.of(0)).add(Q.of(e.loadBalancingWeight, total)));
  return out;
}

/** Proxyless gRPC: pick a group by load_balancing_weight, then round robin (endpoint weights ignored). */
function grpcShares(plan: AssignmentPlan): Map<NetworkId, Q> {
  const total = plan.groups.reduce((t, g) => t + BigInt(g.loadBalancingWeight), 0n);
  const out = new Map<NetworkId, Q>();
  for (const g of plan.groups) {
    const pickGroup = Q.of(g.loadBalancingWeight, total);
    for (const e of g.lbEndpoints) out.set(e.network, (out.get(e.network) ?? Q.of(0)).add(pickGroup.mul(Q.of(1, g.lbEndpoints.length))));
  }
  return out;
}

function sameShares(actual: Map<NetworkId, Q>, expected: Map<NetworkId, Q>, how: string): void {
  const networks = new Set([...actual.keys(), ...expected.keys()]);
  for (const n of networks) {
    const a = actual.get(n) ?? Q.of(0);
    const e = expected.get(n) ?? Q.of(0);
    assert.ok(a.equals(e), `${how} share of network "${n}": got ${a}, want ${e}`);
  }
}

const RUNS = { numRuns: 400 };

describe('split horizon: properties', () => {
  it('no caller receives a pod address from another network that has a gateway', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        const byAddress = new Map(s.endpoints.map((e) => [e.address, e]));
        for (const e of plan.groups.flatMap((g) => g.lbEndpoints)) {
          if (e.kind !== 'direct') continue;
          const source = byAddress.get(e.address)!;
          const foreign = source.network !== '' && !(s.view.network !== '' && source.network === s.view.network);
          if (foreign) assert.ok(!s.gateways.has(source.network), `pod ${e.address} of network ${source.network} sent to ${s.view.network}`);
        }
      }),
      RUNS,
    );
  });

  it('while any gateway exists, no pod address of a gateway-less network is sent unless it is the caller\'s own or unknown', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        if (s.gateways.size === 0) return;
        const plan = splitHorizon(s);
        const byAddress = new Map(s.endpoints.map((e) => [e.address, e]));
        for (const e of plan.groups.flatMap((g) => g.lbEndpoints)) {
          if (e.kind !== 'direct') continue;
          const n = byAddress.get(e.address)!.network;
          assert.ok(n === '' || (n === s.view.network && n !== ''), `pod of network "${n}" sent directly to "${s.view.network}"`);
        }
      }),
      RUNS,
    );
  });

  it('every endpoint is accounted for exactly once: sent directly, behind a gateway, or excluded with its reason', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        const want = new Set(expectedSent(s));
        const directSent = new Set(plan.groups.flatMap((g) => g.lbEndpoints).filter((e) => e.kind === 'direct').map((e) => e.address));
        const excluded = new Map(plan.excluded.map((e) => [e.address, e.reason]));
        let behindGateways = 0;
        for (const e of s.endpoints) {
          if (!want.has(e)) {
            assert.ok(excluded.has(e.address), `${e.address} neither sent nor excluded`);
            assert.ok(!directSent.has(e.address));
            const reason = excluded.get(e.address);
            if (e.health !== 'healthy') assert.equal(reason, e.health);
            else assert.ok(reason === 'outside-requested-view' || reason === 'no-gateway', String(reason));
          } else if (isDirectFor(s, e)) {
            assert.ok(directSent.has(e.address), `${e.address} should be sent directly`);
          } else {
            assert.ok(!directSent.has(e.address) && !excluded.has(e.address));
            behindGateways++;
          }
        }
        const networkCounts = plan.explain.networks.reduce((t, n) => t + n.endpoints, 0);
        assert.equal(networkCounts, want.size);
        assert.equal(plan.excluded.length, s.endpoints.length - want.size);
        assert.equal(plan.explain.networks.filter((n) => n.mode === 'gateway').reduce((t, n) => t + n.endpoints, 0), behindGateways);
      }),
      RUNS,
    );
  });

  it('unhealthy and terminating endpoints are never sent', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        const sentAddresses = new Set(plan.groups.flatMap((g) => g.lbEndpoints).map((e) => e.address));
        for (const e of s.endpoints) if (e.health !== 'healthy') assert.ok(!sentAddresses.has(e.address));
      }),
      RUNS,
    );
  });

  it("each network's expected share equals its share of healthy visible endpoints, for Envoy and for gRPC (exact)", () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        assert.equal(plan.explain.capped, false);
        const expected = expectedShares(s);
        sameShares(envoyShares(plan), expected, 'Envoy');
        sameShares(grpcShares(plan), expected, 'gRPC');
      }),
      RUNS,
    );
  });

  it('weights: positive integers, group weight = sum of its endpoint weights, uniform inside a group, total within uint32', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        let total = 0n;
        for (const g of plan.groups) {
          assert.ok(g.lbEndpoints.length > 0);
          assert.equal(g.priority, 0);
          for (const e of g.lbEndpoints) assert.ok(Number.isInteger(e.loadBalancingWeight) && e.loadBalancingWeight >= 1);
          assert.equal(g.loadBalancingWeight, g.lbEndpoints.reduce((t, e) => t + e.loadBalancingWeight, 0));
          assert.equal(new Set(g.lbEndpoints.map((e) => e.loadBalancingWeight)).size, 1);
          total += BigInt(g.loadBalancingWeight);
        }
        assert.ok(total <= MAX_TOTAL_WEIGHT);
        assert.equal(plan.explain.totalWeight, Number(total));
      }),
      RUNS,
    );
  });

  it('group localities are unique, and gateway groups hold gateways of one network only', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        const keys = plan.groups.map((g) => localityKey(g.locality));
        assert.equal(new Set(keys).size, keys.length);
        for (const g of plan.groups) {
          for (const e of g.lbEndpoints) {
            assert.equal(e.kind, g.kind);
            if (e.kind === 'gateway') assert.equal(e.network, g.network);
          }
        }
      }),
      RUNS,
    );
  });

  it('each gateway address:port appears at most once, only for networks the caller cannot reach directly', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = splitHorizon(s);
        const gws = plan.groups.flatMap((g) => g.lbEndpoints).filter((e) => e.kind === 'gateway');
        const keys = gws.map((e) => `${e.address}:${e.port}`);
        assert.equal(new Set(keys).size, keys.length);
        for (const e of gws) {
          assert.notEqual(e.network, '');
          if (s.view.network !== '') assert.notEqual(e.network, s.view.network);
          assert.ok(s.gateways.get(e.network)!.some((g) => g.address === e.address && g.port === e.port));
        }
      }),
      RUNS,
    );
  });

  it('output is identical for shuffled input (endpoints, gateway lists, map order)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 1, max: 1 << 30 }), (s, seed) => {
        const plan = splitHorizon(s);
        const shuffledGateways = new Map(shuffled([...s.gateways.entries()], seed).map(([n, l]) => [n, shuffled(l, seed + 1)]));
        const again = splitHorizon({ endpoints: shuffled(s.endpoints, seed + 2), gateways: shuffledGateways, view: s.view });
        assert.deepEqual(again, plan);
      }),
      RUNS,
    );
  });
});
