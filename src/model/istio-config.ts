// The parts of Istio's DestinationRule and VirtualService that Horizon serves, as plain types.
// Hosts are fully qualified by the time they get here (short names resolved in the rule's namespace).
import type { ClusterId, Hostname } from './types.js';

export type SimpleLb = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'LEAST_CONN' | 'RANDOM' | 'PASSTHROUGH' | 'UNSPECIFIED';

export interface ConsistentHashLb {
  httpHeaderName?: string;
  httpCookie?: { name: string; path?: string; ttl?: string };
  useSourceIp?: boolean;
  httpQueryParameterName?: string;
  minimumRingSize?: number;
}

/**
 * `localityLbSetting` as written (validated by kube/convert-istio.ts). Locality patterns are
 * `region[/zone[/subzone]]` with an optional terminal `*` segment; failoverPriority entries are `key` or
 * `key=value`. Empty lists mean "not set".
 */
export interface LocalityLbSetting {
  /** undefined: not said (on). false: off for this rule whatever the mesh says; true: on, overriding the mesh. */
  enabled?: boolean;
  distribute: readonly LocalityDistribute[];
  failover: readonly LocalityFailover[];
  failoverPriority: readonly string[];
}

/** Callers in `from` send their traffic to the `to` localities in the given shares (weights 1-100, summing to 100). */
export interface LocalityDistribute {
  from: string;
  to: readonly { locality: string; weight: number }[];
}

/** When the caller's region `from` fails, go to region `to` (before any other region). */
export interface LocalityFailover {
  from: string;
  to: string;
}

/** Istio's outlierDetection (durations in milliseconds). Its presence is what turns locality failover on. */
export interface OutlierDetection {
  consecutive5xxErrors?: number;
  consecutiveGatewayErrors?: number;
  consecutiveLocalOriginFailures?: number;
  splitExternalLocalOriginErrors?: boolean;
  intervalMs?: number;
  baseEjectionTimeMs?: number;
  maxEjectionPercent?: number;
  minHealthPercent?: number;
  /** Status codes that count as errors instead of 5xx. */
  httpErrorCodes?: readonly number[];
}

export interface LoadBalancerSettings {
  simple?: SimpleLb;
  consistentHash?: ConsistentHashLb;
  localityLbSetting?: LocalityLbSetting;
}

/** The fields a traffic policy, a subset's and a port-level one share. */
export interface TrafficPolicyFields {
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
}

/** A port-level policy replaces the enclosing policy's fields wholesale for that port (no inheritance). */
export interface PortTrafficPolicy extends TrafficPolicyFields {
  port: number;
}

export interface TrafficPolicy extends TrafficPolicyFields {
  portLevelSettings?: readonly PortTrafficPolicy[];
}

export interface Subset {
  name: string;
  labels: Readonly<Record<string, string>>;
  trafficPolicy?: TrafficPolicy;
}

interface ConfigMeta {
  cluster: ClusterId;
  namespace: string;
  name: string;
  /** RFC 3339; the oldest rule wins when several claim the same host, as in istiod. */
  creationTimestamp: string;
}

export interface DestinationRule extends ConfigMeta {
  host: Hostname;
  trafficPolicy?: TrafficPolicy;
  subsets: readonly Subset[];
  /** Accepted, with something ignored or without effect (e.g. failover without outlierDetection). */
  warnings?: readonly string[];
}

export type StringMatch = { exact: string } | { prefix: string } | { regex: string };

export interface HttpMatch {
  name?: string;
  uri?: StringMatch;
  headers?: Readonly<Record<string, StringMatch>>;
  ignoreUriCase?: boolean;
}

export interface RouteDestination {
  destination: { host: Hostname; subset?: string; port?: number };
  weight?: number;
}

export interface HttpRoute {
  name?: string;
  match?: readonly HttpMatch[];
  route: readonly RouteDestination[];
  /** Duration string as in the CR, e.g. `5s`. */
  timeout?: string;
}

export interface VirtualService extends ConfigMeta {
  hosts: readonly Hostname[];
  /** Empty means the mesh (sidecars / proxyless); rules bound only to gateways do not apply. */
  gateways: readonly string[];
  http: readonly HttpRoute[];
}
