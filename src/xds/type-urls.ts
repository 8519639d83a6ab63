// Type URLs, resource kinds and service paths: the xDS protocol's identifiers. Resource names are
// generators/names.ts's.

const PREFIX = 'type.googleapis.com/';

export const LISTENER_TYPE = `${PREFIX}envoy.config.listener.v3.Listener` as const;
export const ROUTE_CONFIGURATION_TYPE = `${PREFIX}envoy.config.route.v3.RouteConfiguration` as const;
export const CLUSTER_TYPE = `${PREFIX}envoy.config.cluster.v3.Cluster` as const;
export const CLUSTER_LOAD_ASSIGNMENT_TYPE = `${PREFIX}envoy.config.endpoint.v3.ClusterLoadAssignment` as const;

export const HTTP_CONNECTION_MANAGER_TYPE = `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager` as const;
export const ROUTER_FILTER_TYPE = `${PREFIX}envoy.extensions.filters.http.router.v3.Router` as const;
/** The name Envoy and istiod give the router filter. */
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

export const ADS_SERVICE = 'envoy.service.discovery.v3.AggregatedDiscoveryService';
export const ADS_SOTW_PATH = `/${ADS_SERVICE}/StreamAggregatedResources`;
export const ADS_DELTA_PATH = `/${ADS_SERVICE}/DeltaAggregatedResources`;

/** Short names, as logs, metrics and debug output use them. */
export type XdsKind = 'LDS' | 'RDS' | 'CDS' | 'EDS';

export const KIND_OF_TYPE: ReadonlyMap<string, XdsKind> = new Map<string, XdsKind>([
  [LISTENER_TYPE, 'LDS'],
  [ROUTE_CONFIGURATION_TYPE, 'RDS'],
  [CLUSTER_TYPE, 'CDS'],
  [CLUSTER_LOAD_ASSIGNMENT_TYPE, 'EDS'],
]);

export function isKnownType(typeUrl: string): boolean {
  return KIND_OF_TYPE.has(typeUrl);
}

/** Short name of a type URL, or the URL itself when it is not one of the four. */
export function kindOf(typeUrl: string): XdsKind | string {
  return KIND_OF_TYPE.get(typeUrl) ?? typeUrl;
}

/**
 * Make-before-break order for additions and changes within one push: a cluster exists before its
 * endpoints, and both before the listener and routes that send traffic to them.
 */
export const PUSH_ORDER: readonly string[] = [CLUSTER_TYPE, CLUSTER_LOAD_ASSIGNMENT_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE];

/** Order for removals (delta): nothing refers to a thing after it is gone; endpoints go before their cluster. */
export const REMOVAL_ORDER: readonly string[] = [LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE, CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE];

/**
 * Types whose state-of-the-world responses must carry every subscribed resource (a missing one means
 * deleted). For RDS and EDS a response may carry only what changed.
 */
export function requiresFullState(typeUrl: string): boolean {
  return typeUrl === LISTENER_TYPE || typeUrl === CLUSTER_TYPE;
}

/** Explicit wildcard resource name. */
export const WILDCARD = '*';
