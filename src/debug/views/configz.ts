// /debug/configz: the Istio config Horizon serves from, per host: which DestinationRule and
// VirtualService are in force, which ones they shadow, what the routes built from them could not
// honour, and every rule refused as a whole with the reason (e.g. weights that do not add up to 100).
// Per cluster (port, subset) of a served host, the locality load balancing in force, and the warnings a
// DestinationRule was accepted with (e.g. failover without outlierDetection).
import type { Hostname } from '../../model/types.js';
import type { LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import type { DebugIstioConfig, DebugMesh } from '../source.js';

interface RuleRef {
  cluster: string;
  namespace: string;
  name: string;
}

export interface ConfigzHost {
  host: Hostname;
  destinationRule?: RuleRef & { subsets: string[]; warnings?: string[] };
  /** Per port and subset of the service ('' = the whole service): off (and why), distribute or failover. */
  localityLb: { port: number; subset: string; mode: LocalityLbPolicy['mode']; source?: string; reason?: string; failoverPriority?: string[]; failover?: { from: string; to: string }[] }[];
  virtualService?: RuleRef;
  shadowed: (RuleRef & { kind: 'DestinationRule' | 'VirtualService' })[];
  routeProblems: { port: number; route: string; problem: string }[];
}

export interface Configz {
  hosts: ConfigzHost[];
  refused: { cluster: string; kind: string; namespace: string; name: string; error: string }[];
}

function localityLbRow(p: LocalityLbPolicy, port: number, subset: string): ConfigzHost['localityLb'][number] {
  if (p.mode === 'off') return { port, subset, mode: 'off', reason: p.reason };
  if (p.mode === 'distribute') return { port, subset, mode: 'distribute', source: p.source };
  return { port, subset, mode: 'failover', source: p.source, failoverPriority: p.failoverPriority.map((k) => k.text), failover: [...p.failover] };
}

const ref = (r: RuleRef): RuleRef => ({ cluster: r.cluster, namespace: r.namespace, name: r.name });

export function configz(source: { mesh: DebugMesh; config: DebugIstioConfig }, params: URLSearchParams): Configz {
  const only = params.get('host');
  const { config, mesh } = source;
  const hosts = new Set<Hostname>();
  for (const dr of config.destinationRules()) hosts.add(dr.host);
  for (const vs of config.virtualServices()) for (const h of vs.hosts) hosts.add(h);
  const out: ConfigzHost[] = [];
  for (const host of [...hosts].sort()) {
    if (only && !host.startsWith(only)) continue;
    const drChoice = config.destinationRuleChoice(host);
    const vsChoice = config.virtualServiceChoice(host);
    const ports = new Set(mesh.serviceInstances(host).flatMap((s) => s.ports.map((p) => p.port)));
    const routeProblems = [...ports].flatMap((port) => config.routeProblems(host, port).map((p) => ({ port, route: p.route, problem: p.problem })));
    out.push({
      host,
      ...(drChoice.rule
        ? { destinationRule: { ...ref(drChoice.rule), subsets: drChoice.rule.subsets.map((s) => s.name), ...(drChoice.rule.warnings?.length ? { warnings: [...drChoice.rule.warnings] } : {}) } }
        : {}),
      localityLb: [...ports].sort((a, b) => a - b).flatMap((port) => ['', ...(drChoice.rule?.subsets ?? []).map((s) => s.name)].map((subset) => localityLbRow(config.localityLb(host, port, subset), port, subset))),
      ...(vsChoice.rule ? { virtualService: ref(vsChoice.rule) } : {}),
      shadowed: [
        ...drChoice.shadowed.map((r) => ({ kind: 'DestinationRule' as const, ...ref(r) })),
        ...vsChoice.shadowed.map((r) => ({ kind: 'VirtualService' as const, ...ref(r) })),
      ],
      routeProblems,
    });
  }
  const refused = config.refused().map((r) => ({ cluster: r.cluster, kind: r.kind, namespace: r.namespace, name: r.name, error: r.error }));
  return { hosts: out, refused };
}
