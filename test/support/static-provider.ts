// An in-memory XdsResourceProvider for tests: resources set by hand, the same for every node unless a
// per-network override is given. Logs calls so tests can check the server asks only when it must.
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE, LISTENER_TYPE, ROUTE_CONFIGURATION_TYPE } from '../../src/xds/type-urls.js';
import { encodedResource, type EncodedResource } from '../../src/xds/codec/any.js';
import type { XdsNode } from '../../src/xds/xds-node.js';
import type { XdsResourceProvider } from '../../src/xds/server/provider.js';
import {
  encodeApiListener,
  encodeClusterLoadAssignment,
  encodeEdsCluster,
  encodeRouteConfiguration,
  type ApiListenerInput,
  type ClusterLoadAssignmentInput,
  type EdsClusterInput,
  type RouteConfigurationInput,
} from '../../src/xds/resources/index.js';

export class StaticProvider implements XdsResourceProvider {
  private readonly byType = new Map<string, Map<string, EncodedResource>>();
  /** network -> typeUrl -> name -> resource, consulted before the shared resources. */
  private readonly byNetwork = new Map<string, Map<string, Map<string, EncodedResource>>>();
  /** Every call, newest last: (typeUrl, node id, names or '*'). */
  readonly log: { typeUrl: string; node: string; names: string[] | '*' }[] = [];
  /** Throw from resources() for this type (robustness tests). */
  failType: string | undefined;

  set(typeUrl: string, name: string, bytes: Uint8Array, version?: string, network?: string): EncodedResource {
    const r = encodedResource(typeUrl, name, bytes, version);
    let byType = this.byType;
    if (network !== undefined) {
      byType = this.byNetwork.get(network) ?? new Map();
      this.byNetwork.set(network, byType);
    }
    let m = byType.get(typeUrl);
    if (!m) byType.set(typeUrl, (m = new Map()));
    m.set(name, r);
    return r;
  }

  remove(typeUrl: string, name: string): void {
    this.byType.get(typeUrl)?.delete(name);
    for (const n of this.byNetwork.values()) n.get(typeUrl)?.delete(name);
  }

  listener(input: ApiListenerInput, version?: string): EncodedResource {
    return this.set(LISTENER_TYPE, input.name, encodeApiListener(input), version);
  }

  route(input: RouteConfigurationInput, version?: string): EncodedResource {
    return this.set(ROUTE_CONFIGURATION_TYPE, input.name, encodeRouteConfiguration(input), version);
  }

  cluster(input: EdsClusterInput, version?: string): EncodedResource {
    return this.set(CLUSTER_TYPE, input.name, encodeEdsCluster(input), version);
  }

  cla(input: ClusterLoadAssignmentInput, version?: string, network?: string): EncodedResource {
    return this.set(CLUSTER_LOAD_ASSIGNMENT_TYPE, input.clusterName, encodeClusterLoadAssignment(input), version, network);
  }

  resources(typeUrl: string, node: XdsNode, names: ReadonlySet<string> | undefined): EncodedResource[] {
    this.log.push({ typeUrl, node: node.id, names: names ? [...names] : '*' });
    if (this.log.length > 10_000) this.log.shift();
    if (this.failType === typeUrl) throw new Error(`provider failure injected for ${typeUrl}`);
    const merged = new Map(this.byType.get(typeUrl) ?? []);
    for (const [name, r] of this.byNetwork.get(node.network)?.get(typeUrl) ?? []) merged.set(name, r);
    if (!names) return [...merged.values()];
    const out: EncodedResource[] = [];
    for (const n of names) {
      const r = merged.get(n);
      if (r) out.push(r);
    }
    return out;
  }
}
