// Resource encoders (plain objects in, the resource's own bytes out) and decoders (bytes in, the same shapes out).
import type { Decoded } from '../codec/result.js';
import { fail } from '../codec/result.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE } from '../type-urls.js';
import { decodeCluster, type DecodedCluster } from './cluster.js';
import { decodeClusterLoadAssignment, type DecodedClusterLoadAssignment } from './cluster-load-assignment.js';
import { decodeListener, type DecodedListener } from './listener.js';
import { decodeRouteConfiguration, type RouteConfigurationInput } from './route-configuration.js';

export * from './common.js';
export * from './listener.js';
export * from './route-configuration.js';
export * from './cluster.js';
export * from './cluster-load-assignment.js';

export type DecodedResource =
  | { typeUrl: typeof LISTENER_TYPE; name: string; value: DecodedListener }
  | { typeUrl: typeof ROUTE_CONFIGURATION_TYPE; name: string; value: RouteConfigurationInput }
  | { typeUrl: typeof CLUSTER_TYPE; name: string; value: DecodedCluster }
  | { typeUrl: typeof CLUSTER_LOAD_ASSIGNMENT_TYPE; name: string; value: DecodedClusterLoadAssignment };

/** Decodes a resource of one of the four types; an error value for anything else or for bad bytes. */
export function decodeResource(typeUrl: string, bytes: Uint8Array): Decoded<DecodedResource> {
  switch (typeUrl) {
    case LISTENER_TYPE: {
      const d = decodeListener(bytes);
      return d.ok ? { ok: true, value: { typeUrl, name: d.value.name, value: d.value } } : d;
    }
    case ROUTE_CONFIGURATION_TYPE: {
      const d = decodeRouteConfiguration(bytes);
      return d.ok ? { ok: true, value: { typeUrl, name: d.value.name, value: d.value } } : d;
    }
    case CLUSTER_TYPE: {
      const d = decodeCluster(bytes);
      return d.ok ? { ok: true, value: { typeUrl, name: d.value.name, value: d.value } } : d;
    }
    case CLUSTER_LOAD_ASSIGNMENT_TYPE: {
      const d = decodeClusterLoadAssignment(bytes);
      return d.ok ? { ok: true, value: { typeUrl, name: d.value.clusterName, value: d.value } } : d;
    }
    default:
      return fail(`unknown resource type ${typeUrl}`);
  }
}
