// /debug/edsz, two ways:
//   ?proxyID=<substring>  for the names that connected proxy was sent, the ClusterLoadAssignments
//                         Horizon holds now, rebuilt on request without touching the serving cache
//                         (istiod's shape: an array in proto3 JSON); not a copy of the bytes sent, so
//                         a push may be on its way;
//   ?network=<name>       what any caller on that network receives, no proxy needed, with every
//                         endpoint explained (direct / via which gateway / left out and why).
//                         Filters: cluster=<name>[,<name>], host=<service>[:port], port, subset,
//                         requestedNetworks=a,b (the REQUESTED_NETWORK_VIEW of such a caller).
//                         The caller's facts for locality load balancing: locality=region/zone[/subzone],
//                         labels=k=v[,k=v] (its LABELS), clusterId=<id> (its CLUSTER_ID); each endpoint
//                         then says its priority and why, and failoverOrder lists the priorities best
//                         first: "where a network1 caller in zone a goes if zone a fails" is priority 1.
//   ?proxyID=<substring>&explain=true   the same explained form for that proxy, with its own view and facts.
import { emptyLocality, type Locality, type NetworkView } from '../../model/types.js';
import type { CallerFacts } from '../../split-horizon/failover-view.js';
import { callerFactsOf, networkViewOf } from '../../xds/xds-node.js';
import type { JsonObject } from '../../xds/codec/struct.js';
import { anyToProto3Json } from '../../xds/codec/proto-json.js';
import { parseClusterName } from '../../xds/generators/names.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../xds/type-urls.js';
import { quoteInput } from '../../util/quote.js';
import { DEBUG_BOUNDS } from '../bounds.js';
import { badRequest, notFound } from '../http-error.js';
import type { DebugSource } from '../source.js';
import { explainAssignment, type ExplainedAssignment } from './explain-assignment.js';
import { findProxy, requireProxyId } from './proxies.js';
import { echo, listParam, localityLabel, portParam, resolveHost } from './query.js';

export interface NetworkEdsz {
  view: { network: string; requestedNetworks?: readonly string[]; locality?: string; labels?: Record<string, string>; clusterId?: string; proxy?: string };
  assignments: ExplainedAssignment[];
}

export function edsz(source: DebugSource, params: URLSearchParams): JsonObject[] | NetworkEdsz {
  if (params.has('proxyID') && params.get('explain') === 'true') return explainedProxyEdsz(source, params);
  if (params.has('proxyID')) return proxyEdsz(source, params);
  if (params.has('network')) return networkEdsz(source, params);
  throw badRequest(
    'pass ?proxyID=<connected proxy> for what Horizon holds for a proxy, or ?network=<name> for what a caller on that network receives',
  );
}

/** For the names a connected proxy was sent, the ClusterLoadAssignments as Horizon builds them now (a push may be on its way). */
export function proxyEdsz(source: DebugSource, params: URLSearchParams): JsonObject[] {
  const conn = findProxy(source.xds, requireProxyId(params));
  const eds = conn.types.find((t) => t.typeUrl === CLUSTER_LOAD_ASSIGNMENT_TYPE);
  const names = new Set(Object.keys(eds?.sent ?? {}));
  if (names.size === 0) return [];
  const out: JsonObject[] = [];
  for (const r of source.resources.generateUncached(CLUSTER_LOAD_ASSIGNMENT_TYPE, conn.node!, names)) {
    const json = anyToProto3Json(r.any);
    if (!json.ok) continue;
    const { '@type': _type, ...cla } = json.value;
    void _type;
    out.push(cla);
  }
  return out.sort((a, b) => String(a.clusterName).localeCompare(String(b.clusterName)));
}

/** For the names a connected proxy was sent, explained as /debug/edsz?network= explains them, with the proxy's own view and facts. */
export function explainedProxyEdsz(source: DebugSource, params: URLSearchParams): NetworkEdsz {
  const conn = findProxy(source.xds, requireProxyId(params));
  const node = conn.node;
  const eds = conn.types.find((t) => t.typeUrl === CLUSTER_LOAD_ASSIGNMENT_TYPE);
  const names = Object.keys(eds?.sent ?? {}).sort();
  if (!node) return { view: { network: '', proxy: conn.id }, assignments: [] };
  const view = networkViewOf(node);
  const caller = callerFactsOf(node);
  return { view: { ...viewText(view, caller), proxy: conn.id }, assignments: explainAll(source, names, view, caller) };
}

export function networkEdsz(source: DebugSource, params: URLSearchParams): NetworkEdsz {
  const network = (params.get('network') ?? '').trim();
  const requested = listParam(params, 'requestedNetworks');
  const view: NetworkView = requested && requested.length > 0 ? { network, requestedNetworks: requested } : { network };
  const caller: CallerFacts = { network, cluster: (params.get('clusterId') ?? '').trim(), locality: localityParam(params), labels: labelsParam(params) };
  const names = selectClusters(source, params);
  return { view: viewText(view, caller), assignments: explainAll(source, names, view, caller) };
}

function explainAll(source: DebugSource, names: readonly string[], view: NetworkView, caller: CallerFacts): ExplainedAssignment[] {
  const assignments: ExplainedAssignment[] = [];
  for (const name of names) {
    const built = source.resources.explainAssignment(name, view, caller);
    if (built) assignments.push(explainAssignment(name, built.input, built.plan, built.localityLb));
  }
  return assignments;
}

function viewText(view: NetworkView, caller: CallerFacts): NetworkEdsz['view'] {
  const locality = localityLabel(caller.locality);
  return {
    network: view.network,
    ...(view.requestedNetworks ? { requestedNetworks: view.requestedNetworks } : {}),
    ...(locality ? { locality } : {}),
    ...(Object.keys(caller.labels).length > 0 ? { labels: { ...caller.labels } } : {}),
    ...(caller.cluster ? { clusterId: caller.cluster } : {}),
  };
}

/** `locality=region/zone/subzone` (istio-locality form); at most three parts. */
function localityParam(params: URLSearchParams): Locality {
  const text = (params.get('locality') ?? '').trim();
  if (text === '') return emptyLocality;
  const [region = '', zone = '', subzone = '', ...rest] = text.split('/');
  if (rest.length > 0) throw badRequest(`locality=${echo(text)} has more than three parts: write region/zone/subzone`);
  return { region, zone, subzone };
}

/** `labels=k=v,k2=v2` (repeatable): the caller's LABELS, at most DEBUG_BOUNDS.callerLabels of them. */
function labelsParam(params: URLSearchParams): Record<string, string> {
  const items = listParam(params, 'labels') ?? [];
  if (items.length > DEBUG_BOUNDS.callerLabels) throw badRequest(`labels has ${items.length} entries; at most ${DEBUG_BOUNDS.callerLabels} are accepted`);
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw badRequest(`labels entry ${echo(item)} is not key=value`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Which cluster names the filters select; 404 when a filter names something that does not exist. */
function selectClusters(source: DebugSource, params: URLSearchParams): string[] {
  const all = [...source.resources.clusterNames()].sort();
  const explicit = listParam(params, 'cluster');
  if (explicit && explicit.length > 0) {
    for (const name of explicit) {
      if (!parseClusterName(name)) throw badRequest(`cluster ${quoteInput(name, DEBUG_BOUNDS.echoChars)} is not a cluster name like outbound|5000||helloworld.sample.svc.cluster.local`);
    }
    const known = new Set(all);
    const missing = explicit.filter((n) => !known.has(n));
    if (missing.length > 0) {
      const listed = missing.slice(0, 5).map((n) => quoteInput(n, DEBUG_BOUNDS.echoChars));
      throw notFound(`no such cluster: ${listed.join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''} (see /debug/edsz?network=<name> for every cluster)`);
    }
    return explicit;
  }
  const hostText = params.get('host');
  let port = portParam(params);
  let names = all;
  if (hostText !== null) {
    const resolved = resolveHost(source.mesh, hostText);
    port ??= resolved.port;
    names = names.filter((n) => parseClusterName(n)!.host === resolved.host);
    if (port !== undefined && !names.some((n) => parseClusterName(n)!.port === port)) {
      const ports = [...new Set(names.map((n) => parseClusterName(n)!.port))].sort((a, b) => a - b);
      throw notFound(`service ${resolved.host} has no port ${port} (its ports: ${ports.join(', ') || 'none'})`);
    }
  }
  if (port !== undefined) names = names.filter((n) => parseClusterName(n)!.port === port);
  if (params.has('subset')) {
    const subset = (params.get('subset') ?? '').trim();
    const before = names;
    names = names.filter((n) => parseClusterName(n)!.subset === subset);
    if (names.length === 0 && subset !== '') {
      const subsets = [...new Set(before.map((n) => parseClusterName(n)!.subset).filter((s) => s !== ''))].sort();
      throw notFound(
        `no subset ${quoteInput(subset, DEBUG_BOUNDS.echoChars)}${hostText ? ` for ${quoteInput(hostText, DEBUG_BOUNDS.echoChars)}` : ''} (subsets defined by DestinationRules: ${subsets.join(', ') || 'none'})`,
      );
    }
  }
  return names;
}
