// networking.istio.io DestinationRule / VirtualService custom resources -> Horizon's config types.
// Lenient where Istio is lenient, strict where a mistake would route traffic wrongly: a rule that
// cannot be understood is refused as a whole with the reason, never half-applied.
import type {
  ConsistentHashLb,
  DestinationRule,
  HttpMatch,
  HttpRoute,
  RouteDestination,
  SimpleLb,
  StringMatch,
  Subset,
  TrafficPolicy,
  VirtualService,
} from '../model/istio-config.js';
import type { ClusterId } from '../model/types.js';
import { qualifyHost } from './convert.js';

export interface IstioObject {
  metadata?: { name?: string; namespace?: string; creationTimestamp?: unknown };
  spec?: unknown;
}

export type Converted<T> = { ok: true; value: T } | { ok: false; error: string };

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

class Invalid extends Error {}
const fail = (where: string, what: string): never => {
  throw new Invalid(`${where}: ${what}`);
};

/** Short and partly qualified hosts are resolved in the rule's namespace, as istiod does. */
const qualify = (host: string, namespace: string, domain: string): string => qualifyHost(host, namespace, domain) ?? host;

function meta(obj: IstioObject, cluster: ClusterId) {
  const ts = obj.metadata?.creationTimestamp;
  return {
    cluster,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    creationTimestamp: ts instanceof Date ? ts.toISOString() : typeof ts === 'string' ? ts : '',
  };
}

const simpleLbs = new Set<SimpleLb>(['ROUND_ROBIN', 'LEAST_REQUEST', 'LEAST_CONN', 'RANDOM', 'PASSTHROUGH', 'UNSPECIFIED']);

function trafficPolicy(v: unknown, where: string): TrafficPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) return fail(where, 'must be a map');
  const lb = v.loadBalancer;
  if (lb === undefined || lb === null) return {};
  if (!isMap(lb)) return fail(`${where}.loadBalancer`, 'must be a map');
  const out: NonNullable<TrafficPolicy['loadBalancer']> = {};
  if (lb.simple !== undefined) {
    if (typeof lb.simple !== 'string' || !simpleLbs.has(lb.simple as SimpleLb)) {
      return fail(`${where}.loadBalancer.simple`, `unknown policy ${JSON.stringify(lb.simple)}`);
    }
    out.simple = lb.simple as SimpleLb;
  }
  if (lb.consistentHash !== undefined) {
    const ch = lb.consistentHash;
    if (!isMap(ch)) return fail(`${where}.loadBalancer.consistentHash`, 'must be a map');
    const hash: ConsistentHashLb = {};
    if (typeof ch.httpHeaderName === 'string') hash.httpHeaderName = ch.httpHeaderName;
    if (isMap(ch.httpCookie) && typeof ch.httpCookie.name === 'string') {
      hash.httpCookie = {
        name: ch.httpCookie.name,
        ...(typeof ch.httpCookie.path === 'string' ? { path: ch.httpCookie.path } : {}),
        ...(typeof ch.httpCookie.ttl === 'string' ? { ttl: ch.httpCookie.ttl } : {}),
      };
    }
    if (ch.useSourceIp === true) hash.useSourceIp = true;
    if (typeof ch.httpQueryParameterName === 'string') hash.httpQueryParameterName = ch.httpQueryParameterName;
    const ring = isMap(ch.ringHash) ? ch.ringHash.minimumRingSize : ch.minimumRingSize;
    if (ring !== undefined) {
      const n = Number(ring);
      if (!Number.isInteger(n) || n < 1) return fail(`${where}.loadBalancer.consistentHash`, 'minimumRingSize must be a positive integer');
      hash.minimumRingSize = n;
    }
    out.consistentHash = hash;
  }
  if (out.simple && out.consistentHash) return fail(`${where}.loadBalancer`, 'simple and consistentHash are exclusive');
  return { loadBalancer: out };
}

function stringMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) return fail(where, 'must be a map of strings');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') return fail(`${where}.${k}`, 'must be a string');
    out[k] = val;
  }
  return out;
}

export function toDestinationRule(obj: IstioObject, cluster: ClusterId, domain: string): Converted<DestinationRule> {
  const m = meta(obj, cluster);
  const where = `destinationrule ${m.namespace}/${m.name} in cluster ${cluster}`;
  try {
    const spec = obj.spec;
    if (!isMap(spec)) fail(where, 'spec is missing');
    const s = spec as Json;
    if (typeof s.host !== 'string' || s.host === '') fail(where, 'spec.host is required');
    const subsets: Subset[] = [];
    const seen = new Set<string>();
    for (const [i, raw] of (Array.isArray(s.subsets) ? s.subsets : []).entries()) {
      const at = `spec.subsets[${i}]`;
      if (!isMap(raw) || typeof raw.name !== 'string' || raw.name === '') fail(`${where}: ${at}`, 'name is required');
      const sub = raw as Json;
      if (seen.has(sub.name as string)) fail(`${where}: ${at}`, `duplicate subset name "${String(sub.name)}"`);
      seen.add(sub.name as string);
      const tp = trafficPolicy(sub.trafficPolicy, `${where}: ${at}.trafficPolicy`);
      subsets.push({ name: sub.name as string, labels: stringMap(sub.labels, `${where}: ${at}.labels`), ...(tp ? { trafficPolicy: tp } : {}) });
    }
    const tp = trafficPolicy(s.trafficPolicy, `${where}: spec.trafficPolicy`);
    return {
      ok: true,
      value: { ...m, host: qualify(s.host as string, m.namespace, domain), subsets, ...(tp ? { trafficPolicy: tp } : {}) },
    };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message };
    throw err;
  }
}

function stringMatch(v: unknown, where: string): StringMatch {
  if (!isMap(v)) return fail(where, 'must be one of exact, prefix, regex');
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  if (keys.length !== 1 || typeof v[keys[0]!] !== 'string') return fail(where, 'must set exactly one of exact, prefix, regex');
  const k = keys[0]!;
  const value = v[k] as string;
  if (k === 'exact') return { exact: value };
  if (k === 'prefix') return { prefix: value };
  if (k === 'regex') {
    try {
      new RegExp(value);
    } catch {
      return fail(where, 'regex does not compile');
    }
    return { regex: value };
  }
  return fail(where, `unknown match kind "${k}"`);
}

function httpMatch(v: unknown, where: string): HttpMatch {
  if (!isMap(v)) return fail(where, 'must be a map');
  const out: HttpMatch = {};
  if (typeof v.name === 'string') out.name = v.name;
  if (v.uri !== undefined) out.uri = stringMatch(v.uri, `${where}.uri`);
  if (v.headers !== undefined) {
    if (!isMap(v.headers)) fail(`${where}.headers`, 'must be a map');
    const headers: Record<string, StringMatch> = {};
    for (const [name, m] of Object.entries(v.headers as Json)) headers[name.toLowerCase()] = stringMatch(m, `${where}.headers.${name}`);
    out.headers = headers;
  }
  if (v.ignoreUriCase === true) out.ignoreUriCase = true;
  return out;
}

function destination(v: unknown, where: string, namespace: string, domain: string): RouteDestination {
  if (!isMap(v) || !isMap(v.destination)) return fail(where, 'destination is required');
  const d = v.destination;
  if (typeof d.host !== 'string' || d.host === '') return fail(`${where}.destination.host`, 'is required');
  const out: RouteDestination = { destination: { host: qualify(d.host, namespace, domain) } };
  if (typeof d.subset === 'string' && d.subset !== '') out.destination.subset = d.subset;
  if (isMap(d.port) && d.port.number !== undefined) {
    const n = Number(d.port.number);
    if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`${where}.destination.port.number`, 'must be 1-65535');
    out.destination.port = n;
  }
  if (v.weight !== undefined) {
    const w = Number(v.weight);
    if (!Number.isInteger(w) || w < 0 || w > 100) fail(`${where}.weight`, 'must be an integer 0-100');
    out.weight = w;
  }
  return out;
}

export function toVirtualService(obj: IstioObject, cluster: ClusterId, domain: string): Converted<VirtualService> {
  const m = meta(obj, cluster);
  const where = `virtualservice ${m.namespace}/${m.name} in cluster ${cluster}`;
  try {
    if (!isMap(obj.spec)) fail(where, 'spec is missing');
    const s = obj.spec as Json;
    const hosts = Array.isArray(s.hosts) ? s.hosts.filter((h): h is string => typeof h === 'string' && h !== '') : [];
    if (hosts.length === 0) fail(where, 'spec.hosts must name at least one host');
    const gateways = Array.isArray(s.gateways) ? s.gateways.filter((g): g is string => typeof g === 'string') : [];
    const http: HttpRoute[] = [];
    for (const [i, raw] of (Array.isArray(s.http) ? s.http : []).entries()) {
      const at = `${where}: spec.http[${i}]`;
      if (!isMap(raw)) fail(at, 'must be a map');
      const r = raw as Json;
      const routes = (Array.isArray(r.route) ? r.route : []).map((d, j) => destination(d, `${at}.route[${j}]`, m.namespace, domain));
      if (routes.length === 0) fail(at, 'route must have at least one destination');
      if (routes.length > 1 || routes[0]!.weight !== undefined) {
        const total = routes.reduce((sum, d) => sum + (d.weight ?? 0), 0);
        if (total !== 100 && !(routes.length === 1 && total === 0)) fail(at, `route weights add up to ${total}, not 100`);
      }
      const route: HttpRoute = { route: routes };
      if (typeof r.name === 'string') route.name = r.name;
      if (Array.isArray(r.match)) route.match = r.match.map((mm, j) => httpMatch(mm, `${at}.match[${j}]`));
      if (typeof r.timeout === 'string') route.timeout = r.timeout;
      http.push(route);
    }
    return { ok: true, value: { ...m, hosts: hosts.map((h) => qualify(h, m.namespace, domain)), gateways, http } };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message };
    throw err;
  }
}
