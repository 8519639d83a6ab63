// networking.istio.io DestinationRule / VirtualService custom resources -> Horizon's config types.
// Lenient where Istio is lenient, strict where a mistake would route traffic wrongly: a rule that
// cannot be understood is refused as a whole with the reason, never half-applied.
import type {
  ConsistentHashLb,
  DestinationRule,
  HttpMatch,
  HttpRoute,
  LoadBalancerSettings,
  LocalityLbSetting,
  OutlierDetection,
  RouteDestination,
  SimpleLb,
  StringMatch,
  Subset,
  TrafficPolicy,
  TrafficPolicyFields,
  VirtualService,
} from '../model/istio-config.js';
import { REGION_LABEL, SUBZONE_LABEL, ZONE_LABEL } from '../model/labels.js';
import { localityPatternSegments, localityPatternsOverlap, validateLocalityPattern } from '../model/locality.js';
import type { ClusterId } from '../model/types.js';
import { parseDurationNs } from '../util/duration.js';
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

/** Warnings about accepted rules (something ignored, or without effect), collected while converting. */
type Warn = (where: string, what: string) => void;

const TOPOLOGY_KEYS = new Set([REGION_LABEL, ZONE_LABEL, SUBZONE_LABEL]);

/** A non-negative integer (protobuf JSON may write integers as strings). */
function uint(v: unknown, where: string, max = 0xffffffff): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) return fail(where, `must be an integer from 0 to ${max}`);
  return n;
}

/** Istio's duration rule: at least 1ms, whole milliseconds. */
function durationMs(v: unknown, where: string): number {
  const ns = typeof v === 'string' ? parseDurationNs(v) : undefined;
  if (ns === undefined) return fail(where, `${JSON.stringify(v)} is not a duration (e.g. 10s, 5m, 250ms)`);
  if (ns < 1_000_000n) return fail(where, 'must be at least 1ms');
  if (ns % 1_000_000n !== 0n) return fail(where, 'only whole milliseconds are supported');
  return Number(ns / 1_000_000n);
}

function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') return fail(where, 'must be true or false');
  return v;
}

function list(v: unknown, where: string, max?: number): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return fail(where, 'must be a list');
  if (max !== undefined && v.length > max) return fail(where, `has ${v.length} entries; at most ${max} are accepted`);
  return v;
}

/**
 * Entries of each localityLbSetting list (and `to` localities of a distribute rule): overlapping patterns
 * are found pairwise, so the count is bounded; far more than any real mesh writes.
 */
export const MAX_LOCALITY_LB_ENTRIES = 256;

function outlierDetection(v: unknown, where: string, warn: Warn): OutlierDetection | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) return fail(where, 'must be a map');
  const out: OutlierDetection = {};
  if (v.consecutive5xxErrors != null) out.consecutive5xxErrors = uint(v.consecutive5xxErrors, `${where}.consecutive5xxErrors`);
  if (v.consecutiveGatewayErrors != null) out.consecutiveGatewayErrors = uint(v.consecutiveGatewayErrors, `${where}.consecutiveGatewayErrors`);
  if (v.consecutiveLocalOriginFailures != null) out.consecutiveLocalOriginFailures = uint(v.consecutiveLocalOriginFailures, `${where}.consecutiveLocalOriginFailures`);
  if (v.splitExternalLocalOriginErrors != null) out.splitExternalLocalOriginErrors = bool(v.splitExternalLocalOriginErrors, `${where}.splitExternalLocalOriginErrors`);
  if (v.interval != null) out.intervalMs = durationMs(v.interval, `${where}.interval`);
  if (v.baseEjectionTime != null) out.baseEjectionTimeMs = durationMs(v.baseEjectionTime, `${where}.baseEjectionTime`);
  if (v.maxEjectionPercent != null) out.maxEjectionPercent = uint(v.maxEjectionPercent, `${where}.maxEjectionPercent`, 100);
  if (v.minHealthPercent != null) out.minHealthPercent = uint(v.minHealthPercent, `${where}.minHealthPercent`, 100);
  if (v.outlierDetectionHttpErrorCodes != null) {
    out.httpErrorCodes = list(v.outlierDetectionHttpErrorCodes, `${where}.outlierDetectionHttpErrorCodes`).map((c, i) => {
      const code = uint(c, `${where}.outlierDetectionHttpErrorCodes[${i}]`, 599);
      if (code < 100) fail(`${where}.outlierDetectionHttpErrorCodes[${i}]`, 'must be an HTTP status code (100-599)');
      return code;
    });
  }
  if ((out.consecutiveLocalOriginFailures ?? 0) > 0 && out.splitExternalLocalOriginErrors !== true) {
    fail(where, 'consecutiveLocalOriginFailures is set but splitExternalLocalOriginErrors is not true');
  }
  if (v.consecutiveErrors != null) warn(`${where}.consecutiveErrors`, 'deprecated and ignored, as istiod does; use consecutive5xxErrors or consecutiveGatewayErrors');
  return out;
}

function localityPattern(v: unknown, where: string): string {
  if (typeof v !== 'string') return fail(where, 'must be a locality (region/zone/subzone)');
  const problem = validateLocalityPattern(v);
  if (problem) fail(where, problem);
  return v;
}

/** Patterns must not overlap: otherwise the locality they share would get two answers (Istio refuses it too). */
function checkNoOverlap(patterns: readonly { text: string; where: string }[]): void {
  const segments = patterns.map((p) => localityPatternSegments(p.text));
  for (let i = 0; i < patterns.length; i++) {
    for (let j = 0; j < i; j++) {
      if (localityPatternsOverlap(segments[i]!, segments[j]!)) {
        fail(patterns[i]!.where, `locality ${JSON.stringify(patterns[i]!.text)} overlaps ${JSON.stringify(patterns[j]!.text)} (${patterns[j]!.where})`);
      }
    }
  }
}

function region(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') return fail(where, 'must name a region');
  if (v.includes('/')) return fail(where, 'failover names regions only (no zone or subzone)');
  if (v.includes('*')) return fail(where, "a failover region must not contain the wildcard '*'");
  return v;
}

/**
 * `localityLbSetting` (of a DestinationRule, or of the mesh config as the mesh-wide default), checked as
 * istiod's validation does, and stricter where istiod would silently do something else than written:
 * `key=value=x` failoverPriority entries, `*` inside a segment, overlapping localities whichever order
 * they come in. `hasOutlierDetection` only decides a warning (failover needs outlier detection).
 */
export function toLocalityLbSetting(v: unknown, where: string, hasOutlierDetection: boolean, warn: Warn): LocalityLbSetting {
  if (!isMap(v)) return fail(where, 'must be a map');
  const out: LocalityLbSetting = { distribute: [], failover: [], failoverPriority: [] };
  if (v.enabled != null) out.enabled = bool(v.enabled, `${where}.enabled`);
  const sources: { text: string; where: string }[] = [];
  const distribute = list(v.distribute, `${where}.distribute`, MAX_LOCALITY_LB_ENTRIES).map((raw, i) => {
    const at = `${where}.distribute[${i}]`;
    if (!isMap(raw)) return fail(at, 'must be a map with from and to');
    const from = localityPattern(raw.from, `${at}.from`);
    sources.push({ text: from, where: `${at}.from` });
    if (!isMap(raw.to) || Object.keys(raw.to).length === 0) return fail(`${at}.to`, 'must map at least one locality to a weight');
    if (Object.keys(raw.to).length > MAX_LOCALITY_LB_ENTRIES) return fail(`${at}.to`, `has ${Object.keys(raw.to).length} localities; at most ${MAX_LOCALITY_LB_ENTRIES} are accepted`);
    const to = Object.entries(raw.to).map(([locality, w]) => {
      localityPattern(locality, `${at}.to`);
      const weight = uint(w, `${at}.to[${JSON.stringify(locality)}]`, 100);
      if (weight < 1) fail(`${at}.to[${JSON.stringify(locality)}]`, 'a locality weight must be from 1 to 100');
      return { locality, weight };
    });
    const total = to.reduce((t, e) => t + e.weight, 0);
    if (total !== 100) fail(`${at}.to`, `weights add up to ${total}, not 100`);
    checkNoOverlap(to.map((e) => ({ text: e.locality, where: `${at}.to` })));
    return { from, to };
  });
  checkNoOverlap(sources);
  const failover = list(v.failover, `${where}.failover`, MAX_LOCALITY_LB_ENTRIES).map((raw, i) => {
    const at = `${where}.failover[${i}]`;
    if (!isMap(raw)) return fail(at, 'must be a map with from and to');
    const from = region(raw.from, `${at}.from`);
    const to = region(raw.to, `${at}.to`);
    if (from === to) fail(at, `from and to are the same region ${JSON.stringify(from)}`);
    return { from, to };
  });
  failover.forEach((f, i) => {
    const first = failover.findIndex((g) => g.from === f.from);
    if (first < i) warn(`${where}.failover[${i}]`, `region ${JSON.stringify(f.from)} already has a failover at failover[${first}], which wins`);
  });
  const failoverPriority = list(v.failoverPriority, `${where}.failoverPriority`, MAX_LOCALITY_LB_ENTRIES).map((raw, i) => {
    const at = `${where}.failoverPriority[${i}]`;
    if (typeof raw !== 'string' || raw === '') return fail(at, 'must be a label key, or key=value');
    const parts = raw.split('=');
    if (parts.length > 2) return fail(at, `${JSON.stringify(raw)} has more than one '=' (label values cannot contain '=')`);
    if (parts[0] === '') return fail(at, `${JSON.stringify(raw)} has no label key`);
    return raw;
  });
  if (distribute.length > 0 && failover.length > 0) fail(where, "distribute and failover cannot both be set");
  if (failover.length > 0) {
    const topology = failoverPriority.find((k) => TOPOLOGY_KEYS.has(k));
    if (topology) fail(`${where}.failoverPriority`, `cannot name ${topology} while failover is set (failover already orders regions and zones)`);
  }
  if (distribute.length > 0 && failoverPriority.length > 0) warn(`${where}.failoverPriority`, 'ignored because distribute is set, as istiod does');
  if ((failover.length > 0 || failoverPriority.length > 0) && !hasOutlierDetection) {
    warn(where, 'failover and failoverPriority take effect only with outlierDetection in the same traffic policy');
  }
  out.distribute = distribute;
  out.failover = failover;
  out.failoverPriority = failoverPriority;
  return out;
}

/**
 * The mesh config's `localityLbSetting` (the mesh-wide default) as a value, or why it is refused. The mesh
 * config has no outlierDetection of its own: failover written here takes effect for the clusters whose
 * DestinationRule sets one, so it is not warned about.
 */
export function toMeshLocalityLbSetting(v: unknown, where: string): Converted<{ setting: LocalityLbSetting; warnings: string[] }> {
  const warnings: string[] = [];
  try {
    const setting = toLocalityLbSetting(v, where, true, (at, what) => warnings.push(`${at}: ${what}`));
    return { ok: true, value: { setting, warnings } };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: err.message };
    throw err;
  }
}

function loadBalancer(lb: unknown, where: string, hasOutlierDetection: boolean, warn: Warn): LoadBalancerSettings {
  if (!isMap(lb)) return fail(where, 'must be a map');
  const out: LoadBalancerSettings = {};
  if (lb.simple !== undefined) {
    if (typeof lb.simple !== 'string' || !simpleLbs.has(lb.simple as SimpleLb)) {
      return fail(`${where}.simple`, `unknown policy ${JSON.stringify(lb.simple)}`);
    }
    out.simple = lb.simple as SimpleLb;
  }
  if (lb.consistentHash !== undefined) {
    const ch = lb.consistentHash;
    if (!isMap(ch)) return fail(`${where}.consistentHash`, 'must be a map');
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
      if (!Number.isInteger(n) || n < 1) return fail(`${where}.consistentHash`, 'minimumRingSize must be a positive integer');
      hash.minimumRingSize = n;
    }
    out.consistentHash = hash;
  }
  if (out.simple && out.consistentHash) return fail(where, 'simple and consistentHash are exclusive');
  if (lb.localityLbSetting != null && lb.zoneAwareLbSetting != null) return fail(where, 'only one of localityLbSetting and zoneAwareLbSetting can be set');
  if (lb.localityLbSetting != null) out.localityLbSetting = toLocalityLbSetting(lb.localityLbSetting, `${where}.localityLbSetting`, hasOutlierDetection, warn);
  if (lb.zoneAwareLbSetting != null) warn(`${where}.zoneAwareLbSetting`, 'not served by Horizon; ignored');
  return out;
}

/** loadBalancer and outlierDetection: what a traffic policy, a subset's and a port-level one share. */
function policyFields(v: Json, where: string, warn: Warn): TrafficPolicyFields {
  const out: TrafficPolicyFields = {};
  const od = outlierDetection(v.outlierDetection, `${where}.outlierDetection`, warn);
  if (v.loadBalancer != null) out.loadBalancer = loadBalancer(v.loadBalancer, `${where}.loadBalancer`, od !== undefined, warn);
  if (od) out.outlierDetection = od;
  return out;
}

const PORT_POLICY_FIELDS = ['loadBalancer', 'outlierDetection', 'connectionPool', 'tls'];

function trafficPolicy(v: unknown, where: string, warn: Warn): TrafficPolicy | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) return fail(where, 'must be a map');
  const out: TrafficPolicy = policyFields(v, where, warn);
  const ports = list(v.portLevelSettings, `${where}.portLevelSettings`);
  if (ports.length > 0) {
    const seen = new Map<number, number>();
    out.portLevelSettings = ports.map((raw, i) => {
      const at = `${where}.portLevelSettings[${i}]`;
      if (!isMap(raw)) return fail(at, 'must be a map');
      if (!isMap(raw.port) || raw.port.number == null) return fail(`${at}.port`, 'must give a port number');
      const port = uint(raw.port.number, `${at}.port.number`, 65535);
      if (port < 1) fail(`${at}.port.number`, 'must be 1-65535');
      if (!PORT_POLICY_FIELDS.some((k) => raw[k] != null)) fail(at, 'a port traffic policy must have at least one field');
      const first = seen.get(port);
      if (first !== undefined) warn(at, `port ${port} already has a policy at portLevelSettings[${first}], which wins`);
      else seen.set(port, i);
      return { port, ...policyFields(raw, at, warn) };
    });
  }
  return out;
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
  const warnings: string[] = [];
  const warn: Warn = (at, what) => warnings.push(`${at}: ${what}`);
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
      const tp = trafficPolicy(sub.trafficPolicy, `${where}: ${at}.trafficPolicy`, warn);
      subsets.push({ name: sub.name as string, labels: stringMap(sub.labels, `${where}: ${at}.labels`), ...(tp ? { trafficPolicy: tp } : {}) });
    }
    const tp = trafficPolicy(s.trafficPolicy, `${where}: spec.trafficPolicy`, warn);
    return {
      ok: true,
      value: {
        ...m,
        host: qualify(s.host as string, m.namespace, domain),
        subsets,
        ...(tp ? { trafficPolicy: tp } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      },
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
