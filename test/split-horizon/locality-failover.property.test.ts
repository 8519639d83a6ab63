// Properties of splitHorizon with locality load balancing, over random meshes (scenarios.ts), random
// DestinationRule settings (failover, failoverPriority with every kind of key, distribute, enabled,
// outlier detection on and off, mesh default or none) and random callers. The oracle below is written
// from Istio's documentation (istio/api LocalityLoadBalancerSetting) as ordered tuples, not from the
// implementation's numbering.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { LocalityLbSetting } from '../../src/model/istio-config.js';
import type { Gateway, Locality, NetworkId } from '../../src/model/types.js';
import {
  failoverView,
  ISTIO_DEFAULT_MESH_LOCALITY_LB,
  MAX_TOTAL_WEIGHT,
  resolveLocalityLb,
  splitHorizon,
  type AssignmentEndpoint,
  type AssignmentPlan,
  type CallerFacts,
  type LocalityLbPolicy,
} from '../../src/split-horizon/index.js';
import { decodeClusterLoadAssignment, encodeClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import { OUTLIER } from './locality-fixtures.js';
import { CLUSTERS, expectedSent, isDirectFor, labelsOf, localityArb, NETWORKS, Q, scenarioArb, shuffled, type Scenario } from './scenarios.js';

const NETWORK = 'topology.istio.io/network';
const REGION = 'topology.kubernetes.io/region';
const ZONE = 'topology.kubernetes.io/zone';
const SUBZONE = 'topology.istio.io/subzone';
const TOPOLOGY = [REGION, ZONE, SUBZONE];
const KEYS = [NETWORK, REGION, ZONE, SUBZONE, 'topology.istio.io/cluster', 'kubernetes.io/hostname', 'version', 'tier', 'version=v1', `${NETWORK}=n2`, 'topology.istio.io/cluster=c1'];

interface Case extends Scenario {
  caller: CallerFacts;
  setting: LocalityLbSetting | undefined;
  outlier: boolean;
  mesh: LocalityLbSetting | undefined;
}

const callerArb = fc.record({
  network: fc.constantFrom(...NETWORKS),
  cluster: fc.constantFrom('', ...CLUSTERS),
  locality: localityArb,
  version: fc.constantFrom(undefined, 'v1', 'v2'),
  tier: fc.constantFrom(undefined, 'a', 'b'),
  node: fc.constantFrom(undefined, 'node1', 'node2'),
});

const failoverSettingArb = fc
  .record({
    enabled: fc.constantFrom(undefined, true),
    // The bare network key first is a case of its own (istio/istio#60829): make it common.
    failoverPriority: fc.oneof(
      fc.shuffledSubarray(KEYS, { maxLength: 4 }),
      fc.shuffledSubarray(KEYS.filter((k) => k !== NETWORK), { maxLength: 3 }).map((rest) => [NETWORK, ...rest]),
    ),
    failover: fc.array(fc.record({ from: fc.constantFrom('r1', 'r2'), to: fc.constantFrom('r1', 'r2', 'r3') }), { maxLength: 2 }),
  })
  .map(({ enabled, failoverPriority, failover }): LocalityLbSetting => {
    const rules = failover.filter((f) => f.from !== f.to);
    // Valid as Istio validates: failover excludes region/zone/subzone keys.
    const keys = rules.length > 0 ? failoverPriority.filter((k) => !TOPOLOGY.includes(k)) : failoverPriority;
    return { ...(enabled !== undefined ? { enabled } : {}), distribute: [], failover: rules, failoverPriority: keys };
  });

// Non-overlapping `to` patterns (any positive weights: shares normalize over the localities that have endpoints).
const TO_PATTERNS = [['r1/z1', 'r1/z2', 'r2'], ['r1/*', 'r2/z1/*'], ['*'], ['r1/z1/s1', 'r1/z2', 'r2/z2']];
const distributeSettingArb = fc
  .record({
    from: fc.constantFrom(['*'], ['r1', 'r2/*'], ['r1/z1'], ['r2']),
    to: fc.array(fc.record({ patterns: fc.constantFrom(...TO_PATTERNS), weights: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }) }), { minLength: 2, maxLength: 2 }),
  })
  .map(({ from, to }): LocalityLbSetting => ({
    distribute: from.map((f, i) => ({ from: f, to: to[i]!.patterns.map((locality, k) => ({ locality, weight: to[i]!.weights[k]! })) })),
    failover: [],
    failoverPriority: [],
  }));

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(
    scenarioArb,
    callerArb,
    fc.oneof(
      { weight: 4, arbitrary: failoverSettingArb },
      { weight: 2, arbitrary: distributeSettingArb },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constant({ enabled: false, distribute: [], failover: [], failoverPriority: [] }) },
    ),
    fc.constantFrom(true, true, true, false),
    fc.constantFrom<LocalityLbSetting | undefined>(ISTIO_DEFAULT_MESH_LOCALITY_LB, ISTIO_DEFAULT_MESH_LOCALITY_LB, undefined, { enabled: false, distribute: [], failover: [], failoverPriority: [] }),
  )
  .map(([s, c, setting, outlier, mesh]) => ({
    ...s,
    // The caller's network is the split-horizon view's network too.
    view: { ...s.view, network: c.network },
    caller: { network: c.network, cluster: c.cluster, locality: c.locality, labels: labelsOf(c), ...(c.node ? { nodeName: c.node } : {}) },
    setting,
    outlier,
    mesh,
  }));

function policyOf(c: Case): LocalityLbPolicy {
  return resolveLocalityLb({ ...(c.setting ? { loadBalancer: { localityLbSetting: c.setting } } : {}), ...(c.outlier ? { outlierDetection: OUTLIER } : {}) }, c.mesh);
}

function plan(c: Case, caller = c.caller, endpoints = c.endpoints, gateways = c.gateways): AssignmentPlan {
  const policy = policyOf(c);
  return splitHorizon({ endpoints, gateways, view: c.view, locality: { policy, view: failoverView(caller, policy) } });
}

// ---- the oracle ----------------------------------------------------------------------------------

/** The setting in force, per the docs: the rule's own replaces the mesh's; `enabled: false` turns it off. */
function inForce(c: Case): LocalityLbSetting | undefined {
  const s = c.setting ?? c.mesh;
  return s && s.enabled !== false ? s : undefined;
}

/** A label as Istio documents the special keys: topology from locality, cluster, node; network (pod label first). */
function label(who: { labels?: Record<string, string>; locality: Locality; network: NetworkId; cluster: string; nodeName?: string }, key: string): string {
  const own = who.labels?.[key] ?? '';
  if (key === REGION) return who.locality.region || own;
  if (key === ZONE) return who.locality.zone || own;
  if (key === SUBZONE) return who.locality.subzone || own;
  if (key === 'topology.istio.io/cluster') return who.cluster || own;
  if (key === 'kubernetes.io/hostname') return who.nodeName || own;
  if (key === NETWORK) return own || who.network;
  return own;
}

/** The gateways that stand for a remote endpoint: its cluster's in its network when there are any, else all of the network's. */
function gatewaysFor(c: Case, e: AssignmentEndpoint): Gateway[] {
  const all = c.gateways.get(e.network) ?? [];
  const own = all.filter((g) => g.cluster === e.cluster);
  return own.length > 0 ? own : all;
}

/** Documented ordering as a tuple (lexicographic, lower is preferred); [] when all are equal. */
function orderOf(c: Case): ((e: AssignmentEndpoint) => number[]) | undefined {
  const s = inForce(c);
  if (!s || s.distribute.length > 0 || !c.outlier) return undefined;
  const me = c.caller;
  const l = me.labels;
  const loc: Locality =
    l[REGION] !== undefined || l[ZONE] !== undefined || l[SUBZONE] !== undefined ? { region: l[REGION] ?? '', zone: l[ZONE] ?? '', subzone: l[SUBZONE] ?? '' } : me.locality;
  const callerSide = { ...me, locality: loc };
  const entries = s.failoverPriority.map((t) => (t.includes('=') ? { key: t.split('=')[0]!, want: t.split('=')[1]! } : { key: t, want: label(callerSide, t) }));
  const networkFirst = s.failoverPriority[0] === NETWORK;
  const byLocality = s.failoverPriority.length === 0 || s.failover.length > 0;
  const failoverTo = s.failover.find((f) => f.from === loc.region)?.to;
  return (e) => {
    const out: number[] = [];
    if (entries.length > 0) {
      // Endpoints matching more leading entries come first; with the bare network key first, the caller's
      // network comes first and the remaining entries order each side.
      const rest = networkFirst ? entries.slice(1) : entries;
      let leading = 0;
      while (leading < rest.length && label(e, rest[leading]!.key) === rest[leading]!.want) leading++;
      if (networkFirst) out.push(label(e, NETWORK) === entries[0]!.want ? 0 : 1);
      out.push(leading === rest.length ? 0 : rest.length - leading);
    }
    if (byLocality) {
      const el = e.locality;
      out.push(el.region !== loc.region ? (failoverTo !== undefined && el.region !== failoverTo ? 4 : 3) : el.zone !== loc.zone ? 2 : el.subzone !== loc.subzone ? 1 : 0);
    }
    return out;
  };
}

const cmp = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
};

/** Per priority: the addresses sent (gateways as `gw address:port`) and each one's exact share of the level. */
function expectedLevels(c: Case): Map<string, Q>[] {
  const order = orderOf(c) ?? (() => []);
  const s = inForce(c);
  let sent = expectedSent(c);
  // distribute: the caller's rule (first whose `from` matches) keeps only its `to` localities, weight_k / n_k each.
  const matches = (pattern: string, l: Locality) => {
    const seg = pattern.split('/').filter((p) => p !== '*');
    return (seg[0] === undefined || seg[0] === l.region) && (seg[1] === undefined || seg[1] === l.zone) && (seg[2] === undefined || seg[2] === l.subzone);
  };
  let unit = (_e: AssignmentEndpoint) => Q.of(1);
  if (s && s.distribute.length > 0) {
    const rule = s.distribute.find((d) => matches(d.from, c.caller.locality));
    if (rule) {
      const entryOf = (e: AssignmentEndpoint) => rule.to.findIndex((t) => matches(t.locality, e.locality));
      sent = sent.filter((e) => entryOf(e) >= 0);
      const counts = rule.to.map((_, k) => sent.filter((e) => entryOf(e) === k).length);
      unit = (e) => Q.of(rule.to[entryOf(e)]!.weight, counts[entryOf(e)]!);
    }
  }
  const ranked = sent.map((e) => ({ e, rank: order(e) }));
  const ranks = [...new Map(ranked.map((r) => [JSON.stringify(r.rank), r.rank])).values()].sort(cmp);
  const placed = new Map<string, number[]>();
  for (const { e, rank } of ranked) {
    if (isDirectFor(c, e)) continue;
    for (const g of gatewaysFor(c, e)) {
      const key = `${g.address}:${g.port}`;
      const best = placed.get(key);
      if (!best || cmp(rank, best) < 0) placed.set(key, rank);
    }
  }
  const out: Map<string, Q>[] = [];
  for (const rank of ranks) {
    const level = new Map<string, Q>();
    const add = (k: string, q: Q) => level.set(k, (level.get(k) ?? Q.of(0)).add(q));
    for (const { e, rank: r } of ranked) {
      if (cmp(r, rank) !== 0) continue;
      if (isDirectFor(c, e)) {
        add(`${e.address}:${e.port}`, unit(e));
        continue;
      }
      const here = gatewaysFor(c, e).filter((g) => cmp(placed.get(`${g.address}:${g.port}`)!, rank) === 0);
      for (const g of here) add(`gw ${g.address}:${g.port}`, unit(e).mul(Q.of(1, here.length)));
    }
    if (level.size === 0) continue;
    let total = Q.of(0);
    for (const q of level.values()) total = total.add(q);
    for (const [k, q] of level) level.set(k, q.mul(new Q(total.d, total.n)));
    out.push(level);
  }
  return out;
}

function actualLevels(p: AssignmentPlan, how: 'envoy' | 'grpc'): Map<string, Q>[] {
  const out: Map<string, Q>[] = [];
  const totals: bigint[] = [];
  for (const g of p.groups) {
    totals[g.priority] = (totals[g.priority] ?? 0n) + (how === 'envoy' ? g.lbEndpoints.reduce((t, e) => t + BigInt(e.loadBalancingWeight), 0n) : BigInt(g.loadBalancingWeight));
  }
  for (const g of p.groups) {
    const level = (out[g.priority] ??= new Map());
    for (const e of g.lbEndpoints) {
      const key = `${e.kind === 'gateway' ? 'gw ' : ''}${e.address}:${e.port}`;
      const share = how === 'envoy' ? Q.of(e.loadBalancingWeight, totals[g.priority]!) : Q.of(g.loadBalancingWeight, totals[g.priority]!).mul(Q.of(1, g.lbEndpoints.length));
      level.set(key, (level.get(key) ?? Q.of(0)).add(share));
    }
  }
  return out;
}

function sameLevels(actual: Map<string, Q>[], expected: Map<string, Q>[], how: string): void {
  assert.deepEqual(
    actual.map((l) => [...l.keys()].sort()),
    expected.map((l) => [...l.keys()].sort()),
    `${how}: what each priority holds`,
  );
  expected.forEach((level, p) => {
    for (const [k, q] of level) assert.ok(actual[p]!.get(k)!.equals(q), `${how} priority ${p}, ${k}: got ${actual[p]!.get(k)}, want ${q}`);
  });
}

const RUNS = { numRuns: 500 };

describe('split horizon: locality failover properties', () => {
  it('priorities run from 0 without gaps, in order; every address appears at most once per assignment', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const p = plan(c);
        const priorities = p.groups.map((g) => g.priority);
        assert.deepEqual(priorities, [...priorities].sort((a, b) => a - b), 'groups in priority order');
        const distinct = [...new Set(priorities)];
        assert.deepEqual(distinct, distinct.map((_, i) => i), 'contiguous from 0');
        const addresses = p.groups.flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}`));
        assert.equal(new Set(addresses).size, addresses.length, 'an address twice');
        const localities = p.groups.map((g) => `${g.priority}|${g.locality.region}|${g.locality.zone}|${g.locality.subzone}`);
        assert.equal(new Set(localities).size, localities.length, 'a locality twice at one priority');
        // The encoder refuses what grpc-js-xds would NACK (duplicates, gaps, missing weights): it takes the plan as is.
        const decoded = decodeClusterLoadAssignment(encodeClusterLoadAssignment({ clusterName: 'outbound|5000||h.ns.svc.cluster.local', endpoints: p.groups }));
        assert.ok(decoded.ok);
        assert.deepEqual(decoded.ok && decoded.value.endpoints.map((g) => g.priority), priorities);
      }),
      RUNS,
    );
  });

  it("every priority holds exactly what Istio's documented rules put there (the first: the endpoints they choose), with exact shares for Envoy and gRPC", () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const p = plan(c);
        if (p.explain.capped) return;
        const want = expectedLevels(c);
        sameLevels(actualLevels(p, 'envoy'), want, 'Envoy');
        sameLevels(actualLevels(p, 'grpc'), want, 'gRPC');
      }),
      RUNS,
    );
  });

  it('weights: positive integers, uniform inside a group, group weight = sum, each priority within uint32', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const p = plan(c);
        const totals: bigint[] = [];
        for (const g of p.groups) {
          assert.ok(g.lbEndpoints.length > 0);
          for (const e of g.lbEndpoints) assert.ok(Number.isInteger(e.loadBalancingWeight) && e.loadBalancingWeight >= 1);
          assert.equal(new Set(g.lbEndpoints.map((e) => e.loadBalancingWeight)).size, 1);
          assert.equal(g.loadBalancingWeight, g.lbEndpoints.reduce((t, e) => t + e.loadBalancingWeight, 0));
          totals[g.priority] = (totals[g.priority] ?? 0n) + BigInt(g.loadBalancingWeight);
        }
        for (const t of totals) assert.ok(t <= MAX_TOTAL_WEIGHT);
      }),
      RUNS,
    );
  });

  it('callers with equal failover view keys get identical assignments; labels no key names leave the key alone', () => {
    fc.assert(
      fc.property(caseArb, callerArb, fc.string({ maxLength: 3 }), (c, other, noise) => {
        const policy = policyOf(c);
        const second: CallerFacts = { network: c.caller.network, cluster: other.cluster, locality: other.locality, labels: labelsOf(other), ...(other.node ? { nodeName: other.node } : {}) };
        if (failoverView(second, policy).key === failoverView(c.caller, policy).key) assert.deepEqual(plan(c, second), plan(c));
        const unnamed = { ...c.caller, labels: { ...c.caller.labels, 'example.com/unnamed': noise } };
        assert.equal(failoverView(unnamed, policy).key, failoverView(c.caller, policy).key);
      }),
      RUNS,
    );
  });

  it('every endpoint is sent at one priority, behind a gateway, or excluded with its reason; excluded ones only', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const p = plan(c);
        const direct = new Set(p.groups.flatMap((g) => g.lbEndpoints.filter((e) => e.kind === 'direct').map((e) => `${e.address}:${e.port}`)));
        const excluded = new Map(p.excluded.map((e) => [`${e.address}:${e.port}`, e.reason]));
        for (const e of c.endpoints) {
          const key = `${e.address}:${e.port}`;
          assert.ok(!(direct.has(key) && excluded.has(key)), `${key} both sent and excluded`);
          if (e.health !== 'healthy') assert.equal(excluded.get(key), e.health);
          if (excluded.get(key) === 'not-in-distribute') assert.ok(inForce(c)?.distribute.length, 'not-in-distribute without distribute');
        }
      }),
      RUNS,
    );
  });

  it('the same answer for shuffled input', () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 1 << 30 }), (c, seed) => {
        const gws = new Map(shuffled([...c.gateways.entries()], seed).map(([n, l]) => [n, shuffled(l, seed + 1)]));
        assert.deepEqual(plan(c, c.caller, shuffled(c.endpoints, seed + 2), gws), plan(c));
      }),
      RUNS,
    );
  });

  it('with locality load balancing off, exactly the plain split horizon', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const policy = policyOf(c);
        if (policy.mode !== 'off') return;
        const p = plan(c);
        const plain = splitHorizon({ endpoints: c.endpoints, gateways: c.gateways, view: c.view });
        assert.deepEqual(p.groups, plain.groups);
        assert.deepEqual(p.excluded, plain.excluded);
      }),
      RUNS,
    );
  });
});
