// Random meshes for the split-horizon property tests: networks with 0-3 gateways each (some in the
// endpoints' clusters, some not), endpoints of every health on known and unknown networks, with labels and
// nodes for failoverPriority, callers on every network (and none), with and without REQUESTED_NETWORK_VIEW.
import fc from 'fast-check';
import type { Gateway, NetworkId, NetworkView } from '../../src/model/types.js';
import type { AssignmentEndpoint } from '../../src/split-horizon/index.js';

export const NETWORKS = ['', 'n1', 'n2', 'n3', 'n4'];
export const CLUSTERS = ['c1', 'c2', 'c3'];

/** Exact rationals, for comparing shares without rounding. */
export class Q {
  constructor(
    readonly n: bigint,
    readonly d: bigint,
  ) {}
  static of(n: number | bigint, d: number | bigint = 1): Q {
    return new Q(BigInt(n), BigInt(d));
  }
  add(o: Q): Q {
    return new Q(this.n * o.d + o.n * this.d, this.d * o.d);
  }
  mul(o: Q): Q {
    return new Q(this.n * o.n, this.d * o.d);
  }
  equals(o: Q): boolean {
    return this.n * o.d === o.n * this.d;
  }
  toString(): string {
    return `${this.n}/${this.d}`;
  }
}

export interface Scenario {
  endpoints: AssignmentEndpoint[];
  gateways: Map<NetworkId, Gateway[]>;
  view: NetworkView;
}

export const localityArb = fc.record({
  region: fc.constantFrom('', 'r1', 'r2'),
  zone: fc.constantFrom('', 'z1', 'z2'),
  subzone: fc.constantFrom('', 's1'),
});

const endpointArb = fc.record({
  network: fc.constantFrom(...NETWORKS),
  cluster: fc.constantFrom(...CLUSTERS),
  locality: localityArb,
  health: fc.constantFrom('healthy', 'healthy', 'healthy', 'unhealthy', 'terminating'),
  port: fc.constantFrom(5000, 8080),
  version: fc.constantFrom(undefined, 'v1', 'v2'),
  tier: fc.constantFrom(undefined, 'a', 'b'),
  node: fc.constantFrom(undefined, 'node1', 'node2'),
});

/** Pod labels from the arbitrary's optional values (failoverPriority compares them). */
export function labelsOf(l: { version: string | undefined; tier: string | undefined }): Record<string, string> {
  const out: Record<string, string> = {};
  if (l.version !== undefined) out.version = l.version;
  if (l.tier !== undefined) out.tier = l.tier;
  return out;
}

const gatewaysArb = fc.tuple(
  ...NETWORKS.slice(1).map(() =>
    fc.array(fc.record({ cluster: fc.constantFrom('', ...CLUSTERS), port: fc.constantFrom(15443, 443) }), { maxLength: 3 }),
  ),
);

const viewArb = fc.record({
  network: fc.constantFrom(...NETWORKS, 'n5'),
  requested: fc.option(fc.subarray([...NETWORKS.slice(1), 'n5']), { nil: undefined }),
});

export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .tuple(fc.array(endpointArb, { maxLength: 40 }), gatewaysArb, viewArb)
  .map(([eps, gwLists, view]) => {
    const endpoints: AssignmentEndpoint[] = eps.map((e, i) => ({
      address: `10.${NETWORKS.indexOf(e.network)}.${i >> 8}.${i & 255}`,
      port: e.port,
      network: e.network,
      cluster: e.cluster,
      locality: e.locality,
      health: e.health as AssignmentEndpoint['health'],
      podName: `pod-${i}`,
      labels: labelsOf(e),
      ...(e.node !== undefined ? { nodeName: e.node } : {}),
    }));
    const gateways = new Map<NetworkId, Gateway[]>();
    gwLists.forEach((list, ni) => {
      const network = NETWORKS[ni + 1]!;
      if (list.length === 0) return;
      gateways.set(
        network,
        list.map((g, gi) => ({ network, address: `192.0.${ni + 1}.${gi + 1}`, port: g.port, cluster: g.cluster, source: 'service', origin: `gw-${network}-${gi}` })),
      );
    });
    return { endpoints, gateways, view: { network: view.network, ...(view.requested ? { requestedNetworks: view.requested } : {}) } };
  });

/** The oracle: which endpoints must be sent, per the rules, computed without the implementation. */
export function expectedSent(s: Scenario): AssignmentEndpoint[] {
  const multiNetwork = [...s.gateways.values()].some((l) => l.length > 0);
  const requested = s.view.requestedNetworks?.length ? new Set(s.view.requestedNetworks) : undefined;
  return s.endpoints.filter((e) => {
    if (e.health !== 'healthy') return false;
    if (requested && e.network !== '' && !requested.has(e.network)) return false;
    if (!multiNetwork || e.network === '' || (s.view.network !== '' && e.network === s.view.network)) return true;
    return (s.gateways.get(e.network)?.length ?? 0) > 0;
  });
}

export function isDirectFor(s: Scenario, e: AssignmentEndpoint): boolean {
  const multiNetwork = [...s.gateways.values()].some((l) => l.length > 0);
  return !multiNetwork || e.network === '' || (s.view.network !== '' && e.network === s.view.network);
}

export function shuffled<T>(list: readonly T[], seed: number): T[] {
  const out = [...list];
  let x = seed || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

