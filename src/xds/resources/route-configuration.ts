// RouteConfiguration: virtual hosts, route matching, and the cluster (or weighted clusters) of each route.
import { errorText, fail, ok, strictView, type Decoded } from '../codec/result.js';
import { TO_OBJECT, xdsTypes } from '../proto.js';
import { durationMessage, durationToMs, requireName, requireUint32, XdsEncodeError } from './common.js';

/** One header condition: exactly one of exact / prefix / suffix / contains / regex / present. */
export interface HeaderMatchInput {
  name: string;
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  regex?: string;
  present?: boolean;
  /** Match when the condition does NOT hold. */
  invert?: boolean;
}

/** Path condition: exactly one of prefix / path / regex. */
export interface RouteMatchInput {
  prefix?: string;
  path?: string;
  regex?: string;
  caseSensitive?: boolean;
  headers?: readonly HeaderMatchInput[];
}

export type RouteActionInput = { cluster: string } | { weightedClusters: readonly { name: string; weight: number }[] };

/** Hash on a request header, or on the gRPC channel (`filterState: 'io.grpc.channel_id'`). */
export type HashPolicyInput = ({ header: string } | { filterState: string }) & { terminal?: boolean };

export interface RetryPolicyInput {
  /** e.g. "unavailable,cancelled". */
  retryOn: string;
  numRetries?: number;
  perTryTimeoutMs?: number;
  backOff?: { baseIntervalMs: number; maxIntervalMs?: number };
}

export interface RouteInput {
  name?: string;
  match: RouteMatchInput;
  action: RouteActionInput;
  hashPolicy?: readonly HashPolicyInput[];
  /** Per-call timeout; 0 = none (the caller's deadline applies). Sent as Envoy's timeout and as gRPC's max_stream_duration. */
  timeoutMs?: number;
  retryPolicy?: RetryPolicyInput;
}

export interface VirtualHostInput {
  name: string;
  /** Hosts this virtual host serves; gRPC clients match `<host>:<port>` of their target (or '*'). */
  domains: readonly string[];
  routes: readonly RouteInput[];
}

export interface RouteConfigurationInput {
  name: string;
  virtualHosts: readonly VirtualHostInput[];
}

export function encodeRouteConfiguration(input: RouteConfigurationInput): Uint8Array {
  const name = requireName(input.name, 'RouteConfiguration.name');
  const virtualHosts = input.virtualHosts.map((vh, i) => virtualHostMessage(vh, `RouteConfiguration ${name}: virtualHosts[${i}]`));
  return xdsTypes().RouteConfiguration.encode({ name, virtualHosts }).finish();
}

function virtualHostMessage(vh: VirtualHostInput, where: string): Record<string, unknown> {
  const name = requireName(vh.name, `${where}.name`);
  if (vh.domains.length === 0) throw new XdsEncodeError(`${where}: at least one domain is required`);
  for (const d of vh.domains) {
    const first = d.indexOf('*');
    // grpc-js-xds (gRFC A28) accepts at most one '*', at the start or the end.
    if (d === '' || (first !== -1 && (first !== d.lastIndexOf('*') || (first !== 0 && first !== d.length - 1)))) {
      throw new XdsEncodeError(`${where}: domain '${d}' is not a valid pattern (one '*' at most, at the start or end)`);
    }
  }
  return {
    name,
    domains: [...vh.domains],
    routes: vh.routes.map((r, i) => routeMessage(r, `${where}.routes[${i}]`)),
  };
}

function routeMessage(r: RouteInput, where: string): Record<string, unknown> {
  const action: Record<string, unknown> = {};
  if ('cluster' in r.action) {
    action.cluster = requireName(r.action.cluster, `${where}.action.cluster`);
  } else {
    const clusters = r.action.weightedClusters.map((c, i) => ({
      name: requireName(c.name, `${where}.action.weightedClusters[${i}].name`),
      weight: { value: requireUint32(c.weight, `${where}.action.weightedClusters[${i}].weight`) },
    }));
    const total = clusters.reduce((s, c) => s + c.weight.value, 0);
    if (total === 0 || total > 0xffffffff) {
      throw new XdsEncodeError(`${where}.action.weightedClusters: weights must sum to 1..4294967295, got ${total}`);
    }
    action.weightedClusters = { clusters };
  }
  if (r.timeoutMs !== undefined) {
    const d = durationMessage(r.timeoutMs, `${where}.timeoutMs`);
    action.timeout = d;
    action.maxStreamDuration = { maxStreamDuration: d, grpcTimeoutHeaderMax: d };
  }
  if (r.hashPolicy?.length) {
    action.hashPolicy = r.hashPolicy.map((h) =>
      'header' in h
        ? { header: { headerName: requireName(h.header, `${where}.hashPolicy.header`) }, terminal: h.terminal ?? false }
        : { filterState: { key: requireName(h.filterState, `${where}.hashPolicy.filterState`) }, terminal: h.terminal ?? false },
    );
  }
  if (r.retryPolicy) action.retryPolicy = retryMessage(r.retryPolicy, `${where}.retryPolicy`);
  return {
    ...(r.name ? { name: r.name } : {}),
    match: matchMessage(r.match, `${where}.match`),
    route: action,
  };
}

function exactlyOne(obj: object, keys: readonly string[], where: string): string {
  const set = keys.filter((k) => (obj as Record<string, unknown>)[k] !== undefined);
  if (set.length !== 1) throw new XdsEncodeError(`${where}: exactly one of ${keys.join(' / ')} is required, got ${set.length ? set.join(', ') : 'none'}`);
  return set[0]!;
}

function matchMessage(m: RouteMatchInput, where: string): Record<string, unknown> {
  const which = exactlyOne(m, ['prefix', 'path', 'regex'], where);
  const out: Record<string, unknown> =
    which === 'regex' ? { safeRegex: { regex: m.regex } } : which === 'path' ? { path: m.path } : { prefix: m.prefix };
  if (m.caseSensitive !== undefined) out.caseSensitive = { value: m.caseSensitive };
  if (m.headers?.length) out.headers = m.headers.map((h, i) => headerMessage(h, `${where}.headers[${i}]`));
  return out;
}

function headerMessage(h: HeaderMatchInput, where: string): Record<string, unknown> {
  const name = requireName(h.name, `${where}.name`);
  const which = exactlyOne(h, ['exact', 'prefix', 'suffix', 'contains', 'regex', 'present'], where);
  const out: Record<string, unknown> = { name, invertMatch: h.invert ?? false };
  switch (which) {
    case 'present':
      out.presentMatch = h.present;
      break;
    case 'regex':
      out.stringMatch = { safeRegex: { regex: h.regex } };
      break;
    default:
      out.stringMatch = { [which]: (h as unknown as Record<string, string>)[which] };
  }
  return out;
}

function retryMessage(r: RetryPolicyInput, where: string): Record<string, unknown> {
  return {
    retryOn: r.retryOn,
    ...(r.numRetries !== undefined ? { numRetries: { value: requireUint32(r.numRetries, `${where}.numRetries`, 1) } } : {}),
    ...(r.perTryTimeoutMs !== undefined ? { perTryTimeout: durationMessage(r.perTryTimeoutMs, `${where}.perTryTimeoutMs`) } : {}),
    ...(r.backOff
      ? {
          retryBackOff: {
            baseInterval: durationMessage(r.backOff.baseIntervalMs, `${where}.backOff.baseIntervalMs`),
            ...(r.backOff.maxIntervalMs !== undefined
              ? { maxInterval: durationMessage(r.backOff.maxIntervalMs, `${where}.backOff.maxIntervalMs`) }
              : {}),
          },
        }
      : {}),
  };
}

// ---- decoding (for Horizon's ADS client and tests): back to the input shape ----

export function decodeRouteConfiguration(bytes: Uint8Array): Decoded<RouteConfigurationInput> {
  try {
    const t = xdsTypes().RouteConfiguration;
    return ok(decodeRouteConfigurationMessage(t.toObject(t.decode(strictView(bytes)), TO_OBJECT)));
  } catch (err) {
    return fail(`malformed RouteConfiguration: ${errorText(err)}`);
  }
}

type Dur = { seconds?: number; nanos?: number };
interface RawStringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: { regex?: string };
}
interface RawRoute {
  name?: string;
  match?: {
    prefix?: string;
    path?: string;
    safeRegex?: { regex?: string };
    caseSensitive?: { value?: boolean };
    headers?: {
      name?: string;
      exactMatch?: string;
      prefixMatch?: string;
      suffixMatch?: string;
      containsMatch?: string;
      safeRegexMatch?: { regex?: string };
      presentMatch?: boolean;
      stringMatch?: RawStringMatch;
      invertMatch?: boolean;
    }[];
  };
  route?: {
    cluster?: string;
    weightedClusters?: { clusters?: { name?: string; weight?: { value?: number } }[] };
    timeout?: Dur;
    maxStreamDuration?: { maxStreamDuration?: Dur; grpcTimeoutHeaderMax?: Dur };
    hashPolicy?: { header?: { headerName?: string }; filterState?: { key?: string }; terminal?: boolean }[];
    retryPolicy?: {
      retryOn?: string;
      numRetries?: { value?: number };
      perTryTimeout?: Dur;
      retryBackOff?: { baseInterval?: Dur; maxInterval?: Dur };
    };
  };
}

/** From a protobufjs plain object (TO_OBJECT options) to the encoder's input shape. */
export function decodeRouteConfigurationMessage(raw: unknown): RouteConfigurationInput {
  const rc = raw as { name?: string; virtualHosts?: { name?: string; domains?: string[]; routes?: RawRoute[] }[] };
  return {
    name: rc.name ?? '',
    virtualHosts: (rc.virtualHosts ?? []).map((vh) => ({
      name: vh.name ?? '',
      domains: vh.domains ?? [],
      routes: (vh.routes ?? []).map(decodeRoute),
    })),
  };
}

function decodeRoute(r: RawRoute): RouteInput {
  const m = r.match ?? {};
  const match: RouteMatchInput =
    m.safeRegex !== undefined ? { regex: m.safeRegex.regex ?? '' } : m.path !== undefined ? { path: m.path } : { prefix: m.prefix ?? '' };
  if (m.caseSensitive) match.caseSensitive = m.caseSensitive.value ?? false;
  if (m.headers?.length) {
    match.headers = m.headers.map((h) => {
      const out: HeaderMatchInput = { name: h.name ?? '' };
      const s = h.stringMatch;
      if (s) {
        if (s.exact !== undefined) out.exact = s.exact;
        else if (s.prefix !== undefined) out.prefix = s.prefix;
        else if (s.suffix !== undefined) out.suffix = s.suffix;
        else if (s.contains !== undefined) out.contains = s.contains;
        else if (s.safeRegex) out.regex = s.safeRegex.regex ?? '';
      } else if (h.exactMatch !== undefined) out.exact = h.exactMatch;
      else if (h.prefixMatch !== undefined) out.prefix = h.prefixMatch;
      else if (h.suffixMatch !== undefined) out.suffix = h.suffixMatch;
      else if (h.containsMatch !== undefined) out.contains = h.containsMatch;
      else if (h.safeRegexMatch) out.regex = h.safeRegexMatch.regex ?? '';
      else if (h.presentMatch !== undefined) out.present = h.presentMatch;
      if (h.invertMatch) out.invert = true;
      return out;
    });
  }
  const a = r.route ?? {};
  const action: RouteActionInput = a.weightedClusters
    ? { weightedClusters: (a.weightedClusters.clusters ?? []).map((c) => ({ name: c.name ?? '', weight: c.weight?.value ?? 0 })) }
    : { cluster: a.cluster ?? '' };
  const out: RouteInput = { match, action };
  if (r.name) out.name = r.name;
  const timeout = durationToMs(a.maxStreamDuration?.grpcTimeoutHeaderMax ?? a.maxStreamDuration?.maxStreamDuration ?? a.timeout);
  if (timeout !== undefined) out.timeoutMs = timeout;
  if (a.hashPolicy?.length) {
    out.hashPolicy = a.hashPolicy.map((h) => {
      const base = h.header ? { header: h.header.headerName ?? '' } : { filterState: h.filterState?.key ?? '' };
      return h.terminal ? { ...base, terminal: true } : base;
    });
  }
  if (a.retryPolicy) {
    const p = a.retryPolicy;
    const retry: RetryPolicyInput = { retryOn: p.retryOn ?? '' };
    if (p.numRetries) retry.numRetries = p.numRetries.value ?? 0;
    const perTry = durationToMs(p.perTryTimeout);
    if (perTry !== undefined) retry.perTryTimeoutMs = perTry;
    if (p.retryBackOff) {
      const max = durationToMs(p.retryBackOff.maxInterval);
      retry.backOff = { baseIntervalMs: durationToMs(p.retryBackOff.baseInterval) ?? 0, ...(max !== undefined ? { maxIntervalMs: max } : {}) };
    }
    out.retryPolicy = retry;
  }
  return out;
}
