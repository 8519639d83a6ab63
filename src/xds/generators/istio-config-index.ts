// Which DestinationRule and VirtualService apply to a host. istiod's precedence, simplified to what
// a shared (not per-client) answer allows: an exact host before a wildcard one; a rule in the
// service's own namespace before one in the root (system) namespace before any other; then the
// oldest; then the primary cluster first. Rules that lose are reported, not merged.
import type { DestinationRule, Subset, TrafficPolicy, VirtualService } from '../../model/istio-config.js';
import type { Hostname } from '../../model/types.js';

export interface IstioConfigIndexOptions {
  destinationRules: readonly DestinationRule[];
  virtualServices: readonly VirtualService[];
  systemNamespace: string;
  /** Cluster IDs in registry order (primary first) for the final tie-break. */
  clusterOrder: readonly string[];
}

function hostMatches(pattern: string, host: Hostname): 0 | 1 | 2 {
  if (pattern === host) return 2;
  if (pattern === '*') return 1;
  if (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))) return 1;
  return 0;
}

const nsOf = (host: Hostname) => host.split('.')[1] ?? '';

export class IstioConfigIndex {
  private readonly drCache = new Map<Hostname, { rule: DestinationRule | undefined; shadowed: DestinationRule[] }>();
  private readonly vsCache = new Map<Hostname, { rule: VirtualService | undefined; shadowed: VirtualService[] }>();

  constructor(private readonly opts: IstioConfigIndexOptions) {}

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

  /** The policy for a cluster: the subset's own, else the rule's. */
  trafficPolicy(host: Hostname, subset: string): TrafficPolicy | undefined {
    const dr = this.destinationRule(host);
    if (!dr) return undefined;
    const sub = subset ? dr.subsets.find((s) => s.name === subset) : undefined;
    return sub?.trafficPolicy?.loadBalancer ? sub.trafficPolicy : dr.trafficPolicy;
  }
}
