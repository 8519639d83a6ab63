// RouteConfiguration for one service port, from the VirtualService that applies to the host (or the
// default route to the service when none does): URI and header matches, weighted destinations to
// subsets (a 90/10 canary), timeouts, and hash policies for consistent-hash DestinationRules.
import type { MeshModel } from '../../mesh/mesh-model.js';
import type { HttpMatch, HttpRoute, RouteDestination, StringMatch } from '../../model/istio-config.js';
import type { Hostname } from '../../model/types.js';
import type {
  HashPolicyInput,
  HeaderMatchInput,
  RouteActionInput,
  RouteConfigurationInput,
  RouteInput,
  RouteMatchInput,
} from '../resources/route-configuration.js';
import type { IstioConfigIndex } from './istio-config-index.js';
import { clusterName, hostAliases, routeConfigName } from './names.js';
import { parseDurationMs } from '../../util/duration.js';

export interface RouteBuildProblem {
  route: string;
  problem: string;
}

export interface RouteConfigResult {
  input: RouteConfigurationInput;
  /** The VirtualService the routes came from, if any. */
  virtualService?: { cluster: string; namespace: string; name: string };
  problems: RouteBuildProblem[];
}

function uriMatch(m: StringMatch | undefined, ignoreCase: boolean): RouteMatchInput {
  const caseSensitive = ignoreCase ? { caseSensitive: false } : {};
  if (!m) return { prefix: '/', ...caseSensitive };
  if ('exact' in m) return { path: m.exact, ...caseSensitive };
  if ('prefix' in m) return { prefix: m.prefix, ...caseSensitive };
  return { regex: m.regex, ...caseSensitive };
}

function headerMatch(name: string, m: StringMatch): HeaderMatchInput {
  if ('exact' in m) return { name, exact: m.exact };
  if ('prefix' in m) return { name, prefix: m.prefix };
  return { name, regex: m.regex };
}

function matchOf(m: HttpMatch): RouteMatchInput {
  const match = uriMatch(m.uri, m.ignoreUriCase === true);
  const headers = Object.entries(m.headers ?? {}).map(([name, sm]) => headerMatch(name, sm));
  return headers.length > 0 ? { ...match, headers } : match;
}

export class RouteBuilder {
  constructor(
    private readonly mesh: MeshModel,
    private readonly config: IstioConfigIndex,
    private readonly proxyless: boolean,
  ) {}

  /** The port a destination without one means: its only port, or the listener's port. */
  private destinationPort(dest: RouteDestination['destination'], listenerPort: number): number | undefined {
    if (dest.port) return dest.port;
    const ports = new Set<number>();
    for (const svc of this.mesh.serviceInstances(dest.host)) for (const p of svc.ports) ports.add(p.port);
    if (ports.size === 1) return [...ports][0];
    if (ports.has(listenerPort) || ports.size === 0) return listenerPort;
    return undefined;
  }

  private hashPolicy(host: Hostname, port: number, subset: string): HashPolicyInput[] | undefined {
    const ch = this.config.trafficPolicy(host, port, subset)?.loadBalancer?.consistentHash;
    if (!ch) return undefined;
    if (ch.httpHeaderName) return [{ header: ch.httpHeaderName.toLowerCase() }];
    // gRPC's stand-in for "same client, same backend": hash the channel.
    if (ch.useSourceIp && this.proxyless) return [{ filterState: 'io.grpc.channel_id' }];
    return undefined;
  }

  private action(route: HttpRoute, listenerPort: number, where: string, problems: RouteBuildProblem[]) {
    const targets: { name: string; weight: number; host: Hostname; port: number; subset: string }[] = [];
    for (const d of route.route) {
      const port = this.destinationPort(d.destination, listenerPort);
      if (port === undefined) {
        problems.push({ route: where, problem: `destination ${d.destination.host} has several ports; set destination.port` });
        continue;
      }
      const subset = d.destination.subset ?? '';
      if (subset && !this.config.subset(d.destination.host, subset)) {
        problems.push({ route: where, problem: `subset "${subset}" of ${d.destination.host} is not defined by any DestinationRule` });
      }
      const weight = route.route.length === 1 ? (d.weight ?? 100) : (d.weight ?? 0);
      if (weight > 0) targets.push({ name: clusterName(port, subset, d.destination.host), weight, host: d.destination.host, port, subset });
    }
    if (targets.length === 0) return undefined;
    const action: RouteActionInput =
      targets.length === 1 ? { cluster: targets[0]!.name } : { weightedClusters: targets.map((t) => ({ name: t.name, weight: t.weight })) };
    const hashPolicy = targets.length === 1 ? this.hashPolicy(targets[0]!.host, targets[0]!.port, targets[0]!.subset) : undefined;
    return { action, ...(hashPolicy ? { hashPolicy } : {}) };
  }

  build(host: Hostname, port: number): RouteConfigResult | undefined {
    const exists = this.mesh.serviceInstances(host).some((s) => s.ports.some((p) => p.port === port));
    if (!exists) return undefined;
    const name = routeConfigName(host, port);
    const problems: RouteBuildProblem[] = [];
    const vs = this.config.virtualService(host);
    const routes: RouteInput[] = [];
    if (!vs) {
      const hashPolicy = this.hashPolicy(host, port, '');
      routes.push({
        name: 'default',
        match: { prefix: '/' },
        action: { cluster: clusterName(port, '', host) },
        ...(hashPolicy ? { hashPolicy } : {}),
      });
    } else {
      vs.http.forEach((route, i) => {
        const where = `${vs.namespace}/${vs.name} http[${i}]${route.name ? ` (${route.name})` : ''}`;
        const built = this.action(route, port, where, problems);
        if (!built) {
          problems.push({ route: where, problem: 'no destination with a positive weight; route left out' });
          return;
        }
        const timeoutMs = route.timeout !== undefined ? parseDurationMs(route.timeout) : undefined;
        if (route.timeout !== undefined && timeoutMs === undefined) problems.push({ route: where, problem: `timeout "${route.timeout}" is not a duration` });
        const matches = route.match && route.match.length > 0 ? route.match.map(matchOf) : [{ prefix: '/' }];
        // Istio's matches within one route are ORed: one xDS route each, same action.
        matches.forEach((match, j) =>
          routes.push({
            name: route.name ?? `${vs.name}-${i}${matches.length > 1 ? `-${j}` : ''}`,
            match,
            ...built,
            ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          }),
        );
      });
    }
    return {
      input: { name, virtualHosts: [{ name, domains: hostAliases(host, port, this.mesh.domain), routes }] },
      ...(vs ? { virtualService: { cluster: vs.cluster, namespace: vs.namespace, name: vs.name } } : {}),
      problems,
    };
  }
}
