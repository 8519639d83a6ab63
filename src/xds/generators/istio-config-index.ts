// Which DestinationRule and VirtualService apply to a host. istiod's precedence, simplified to what
// a shared (not per-client) answer allows: an exact host before a wildcard one; a rule in the
// service's own namespace before one in the root (system) namespace before any other; then the
// oldest; then the primary cluster first. Rules that lose are reported, not merged.
// Per cluster (port, subset): the traffic policy in force (effectiveTrafficPolicy: port-level and subset
// policies merged as istiod merges them) and the locality load balancing it resolves to with the mesh
// default. The index is rebuilt on any config or mesh config change, so its memos never go stale.
import type { DestinationRule, LocalityLbSetting, Subset, TrafficPolicyFields, VirtualService } from '../../model/istio-config.js';
import { effectiveTrafficPolicy } from '../../model/traffic-policy.js';
import type { Hostname } from '../../model/types.js';
import { ISTIO_DEFAULT_MESH_LOCALITY_LB, LOCALITY_LB_OFF, resolveLocalityLb, type LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import type { ClusterKey } from './names.js';

export interface IstioConfigIndexOptions {
  destinationRules: readonly DestinationRule[];
  virtualServices: readonly VirtualService[];
  systemNamespace: string;
  /** Cluster IDs in registry order (primary first) for the final tie-break. */
  clusterOrder: readonly string[];
  /** The mesh config's localityLbSetting; default Istio's default mesh config (`enabled: true`). */
  meshLocalityLb?: LocalityLbSetting;
}

/** Whether any traffic policy of the rule sets outlierDetection or a distribute (what can turn locality load balancing on). */
function mayEnableLocalityLb(dr: DestinationRule): boolean {
  const fields = (p: TrafficPolicyFields | undefined) => p?.outlierDetection !== undefined || (p?.loadBalancer?.localityLbSetting?.distribute.length ?? 0) > 0;
  const policy = (p: DestinationRule['trafficPolicy']) => fields(p) || (p?.portLevelSettings ?? []).some(fields);
  return policy(dr.trafficPolicy) || dr.subsets.some((s) => policy(s.trafficPolicy));
}

/** 2: the pattern is the host; 1: a wildcard pattern (`*`, `*.suffix`) covering it; 0: neither. */
export function hostMatches(pattern: string, host: Hostname): 0 | 1 | 2 {
  if (pattern === host) return 2;
  if (pattern === '*') return 1;
  if (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))) return 1;
  return 0;
}

const nsOf = (host: Hostname) => host.split('.')[1] ?? '';

export class IstioConfigIndex {
  private readonly drCache = new Map<Hostname, { rule: DestinationRule | undefined; shadowed: DestinationRule[] }>();
  private readonly vsCache = new Map<Hostname, { rule: VirtualService | undefined; shadowed: VirtualService[] }>();
  /** host -> port -> subset -> policy. Asked only for hosts the mesh has (see localityLbPossible). */
  private readonly lbCache = new Map<Hostname, Map<number, Map<string, LocalityLbPolicy>>>();
  private readonly namedPorts = new Map<DestinationRule, ReadonlySet<number>>();
  readonly meshLocalityLb: LocalityLbSetting;
  /**
   * False when no cluster can have locality load balancing: no DestinationRule sets outlierDetection or a
   * distribute, and the mesh default sets no distribute. Then every answer is independent of the caller's
   * locality and labels, and EDS needs no lookup to know it.
   */
  readonly localityLbPossible: boolean;

  constructor(private readonly opts: IstioConfigIndexOptions) {
    this.meshLocalityLb = opts.meshLocalityLb ?? ISTIO_DEFAULT_MESH_LOCALITY_LB;
    const mesh = this.meshLocalityLb;
    this.localityLbPossible = (mesh.enabled !== false && mesh.distribute.length > 0) || opts.destinationRules.some(mayEnableLocalityLb);
  }

  private rank(c: { namespace: string; creationTimestamp: string; cluster: string }, host: Hostname, match: number) {
    const ns = c.namespace === nsOf(host) ? 0 : c.namespace === this.opts.systemNamespace ? 1 : 2;
    const clusterIdx = this.opts.clusterOrder.indexOf(c.cluster);
    return [2 - match, ns, c.creationTimestamp, clusterIdx < 0 ? 1e9 : clusterIdx] as const;
  }

  private pick<T extends { namespace: string; name: string; creationTimestamp: string; cluster: string }>(
    rules: readonly T[],
    host: Hostname,
    hostsOf: (r: T) => readonly string[],
  ): { rule: T | undefined; shadowed: T[] } {
    const scored = rules
      .map((r) => ({ r, match: Math.max(0, ...hostsOf(r).map((h) => hostMatches(h, host))) }))
      .filter((x) => x.match > 0)
      .map((x) => ({ r: x.r, key: this.rank(x.r, host, x.match) }))
      .sort((a, b) => {
        for (let i = 0; i < a.key.length; i++) {
          if (a.key[i]! < b.key[i]!) return -1;
          if (a.key[i]! > b.key[i]!) return 1;
        }
        return 0;
      });
    return { rule: scored[0]?.r, shadowed: scored.slice(1).map((s) => s.r) };
  }

  destinationRule(host: Hostname): DestinationRule | undefined {
    return this.destinationRuleChoice(host).rule;
  }

  destinationRuleChoice(host: Hostname) {
    let hit = this.drCache.get(host);
    if (!hit) this.drCache.set(host, (hit = this.pick(this.opts.destinationRules, host, (r) => [r.host])));
    return hit;
  }

  virtualService(host: Hostname): VirtualService | undefined {
    return this.virtualServiceChoice(host).rule;
  }

  virtualServiceChoice(host: Hostname) {
    let hit = this.vsCache.get(host);
    if (!hit) {
      // Only rules for the mesh (sidecars and proxyless clients) apply, not gateway-bound ones.
      const meshRules = this.opts.virtualServices.filter((v) => v.gateways.length === 0 || v.gateways.includes('mesh'));
      this.vsCache.set(host, (hit = this.pick(meshRules, host, (r) => r.hosts)));
    }
    return hit;
  }

  subset(host: Hostname, name: string): Subset | undefined {
    return this.destinationRule(host)?.subsets.find((s) => s.name === name);
  }

  /** The traffic policy in force for a cluster (port, subset), merged as istiod merges it. */
  trafficPolicy(host: Hostname, port: number, subset: string): TrafficPolicyFields | undefined {
    return effectiveTrafficPolicy(this.destinationRule(host), port, subset || undefined);
  }

  /**
   * Locality load balancing for a cluster: its traffic policy's with the mesh default (resolveLocalityLb).
   * Memoized per (host, port, subset), the memo bounded by what the rules name whatever clients ask: a
   * subset no rule defines is no cluster (off), and ports without a port-level policy share one entry.
   * Callers ask only for hosts the mesh has.
   */
  localityLb(key: ClusterKey): LocalityLbPolicy {
    if (!this.localityLbPossible) return LOCALITY_LB_OFF;
    const dr = this.destinationRule(key.host);
    if (key.subset !== '' && !dr?.subsets.some((s) => s.name === key.subset)) return LOCALITY_LB_OFF;
    const port = dr && this.portsWithPolicy(dr).has(key.port) ? key.port : 0;
    let byPort = this.lbCache.get(key.host);
    if (!byPort) this.lbCache.set(key.host, (byPort = new Map()));
    let bySubset = byPort.get(port);
    if (!bySubset) byPort.set(port, (bySubset = new Map()));
    let policy = bySubset.get(key.subset);
    if (!policy) bySubset.set(key.subset, (policy = resolveLocalityLb(this.trafficPolicy(key.host, key.port, key.subset), this.meshLocalityLb)));
    return policy;
  }

  /** Ports that a port-level policy of the rule (or of one of its subsets) names. */
  private portsWithPolicy(dr: DestinationRule): ReadonlySet<number> {
    let ports = this.namedPorts.get(dr);
    if (!ports) {
      const named = new Set<number>();
      for (const p of [dr.trafficPolicy, ...dr.subsets.map((s) => s.trafficPolicy)]) for (const l of p?.portLevelSettings ?? []) named.add(l.port);
      this.namedPorts.set(dr, (ports = named));
    }
    return ports;
  }
}
