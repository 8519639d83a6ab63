// One xDS resource type as the mesh serves it, in the style of grpc-js-xds's xds-resource-type/: which
// host a name is about, which clients share its bytes, how it is generated. The provider caches and
// invalidates; a type only answers these questions. Adding a type means adding a file (and listing it
// in index.ts), not editing a switch.
import type { MeshModel } from '../../../mesh/mesh-model.js';
import type { Hostname } from '../../../model/types.js';
import type { XdsNode } from '../../xds-node.js';
import type { IstioConfigIndex } from '../istio-config-index.js';

/** What generators read: the mesh model and the Istio config index built from it. */
export interface MeshView {
  readonly mesh: MeshModel;
  readonly config: IstioConfigIndex;
}

/** What a name means: at least the service it is about (cluster names also carry port and subset). */
export interface NameTarget {
  host: Hostname;
}

export interface ResourceType<T extends NameTarget = NameTarget> {
  readonly typeUrl: string;
  /** Whether a change of a host's endpoints alone changes this type's resources (only EDS). */
  readonly followsEndpoints: boolean;
  /**
   * The host the server's subscription index files a name under, the same for every client: the service
   * it is about, or (for a name whose service depends on the client's namespace) a host that changedHosts
   * adds to the pushes of every service it may mean. undefined when no resource can have that name.
   */
  hostOf(name: string, view: MeshView): string | undefined;
  /** The index hosts a change of a service concerns (default: just its own). */
  changedHosts?(host: Hostname, view: MeshView): string[];
  /** What a name means for `node`; undefined when no resource of this type can have that name. Every cache miss: cheap and pure. */
  parse(name: string, node: XdsNode, view: MeshView): T | undefined;
  /**
   * Clients with equal variants get the same bytes for a name (EDS: the network view, plus the failover
   * view where locality load balancing applies; CDS: the client kind), and the same parse (the cache keeps
   * a stale entry's parse for its regeneration). Asked on every lookup: cheap.
   */
  variantOf(name: string, node: XdsNode, view: MeshView): string;
  /** The resource's own bytes, or undefined when it does not exist. May throw (XdsEncodeError) for input a client would reject. */
  generate(view: MeshView, name: string, target: T, node: XdsNode): Uint8Array | undefined;
  /** What a wildcard subscriber gets; absent when the type is always asked for by name. */
  readonly wildcard?: {
    /** Clients with equal variants get the same list. */
    variantOf(node: XdsNode): string;
    names(view: MeshView, node: XdsNode): string[];
  };
}

/** CDS and RDS differ between proxyless gRPC and Envoy (load balancers, hash policies). */
export function clientKind(node: XdsNode): 'grpc' | 'envoy' {
  return node.proxyless ? 'grpc' : 'envoy';
}
