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

export interface TrafficPolicy {
  loadBalancer?: { simple?: SimpleLb; consistentHash?: ConsistentHashLb };
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
