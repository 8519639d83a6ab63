// What every client gets, computed from the mesh model and cached: each resource is generated and
// encoded once per variant (network view for EDS; client kind for CDS/RDS) and the bytes are shared by
// every client of that variant. A change marks stale only the entries of the hosts that changed and comes
// back as a push request naming those hosts; the server's subscription index knows which names of a
// host anyone subscribes to, so nothing here remembers what clients asked for.
import type { MeshChanges, MeshModel } from '../../mesh/mesh-model.js';
import type { Hostname, NetworkView } from '../../model/types.js';
import type { CallerFacts } from '../../split-horizon/failover-view.js';
import { LOCALITY_LB_OFF, type LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import { logger } from '../../log.js';
import { encodedResource, type EncodedResource } from '../codec/any.js';
import type { XdsNode } from '../xds-node.js';
import type { PushRequest, XdsResourceProvider } from '../server/provider.js';
import { clusterKeysOf } from './cds.js';
import { buildAssignment, type AssignmentResult } from './eds.js';
import { hostMatches, IstioConfigIndex } from './istio-config-index.js';
import { clusterName, parseClusterName } from './names.js';
import { RouteBuilder, type RouteConfigResult } from './rds.js';
import { ResourceCache, type ResourceCacheSizes } from './resource-cache.js';
import { MESH_RESOURCE_TYPES, type MeshView, type NameTarget, type ResourceType } from './resource-types/index.js';

export interface MeshResourceProviderOptions {
  systemNamespace: string;
  /** Bound on the encoded-resource cache (bytes); default 256 MiB. */
  cacheMaxBytes?: number;
  /** The resource types served; default MESH_RESOURCE_TYPES. */
  types?: readonly ResourceType[];
}

export interface ProviderStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export class MeshResourceProvider implements XdsResourceProvider {
  private readonly log = logger('xds-provider');
  private readonly types = new Map<string, ResourceType>();
  private readonly cache: ResourceCache;
  /**
   * Wildcard lists (every cluster, every listener) per type and variant: one per client kind, rebuilt
   * after a service or config change. Without it every Envoy stream of a CDS push would list the mesh.
   */
  private readonly wildcards = new Map<string, EncodedResource[]>();
  private configIndex: IstioConfigIndex | undefined;
  private readonly counters = { hits: 0, misses: 0 };
  private readonly view: MeshView;

  constructor(
    private readonly mesh: MeshModel,
    private readonly options: MeshResourceProviderOptions,
  ) {
    for (const t of options.types ?? MESH_RESOURCE_TYPES) this.types.set(t.typeUrl, t);
    this.cache = new ResourceCache(options.cacheMaxBytes ?? 256 * 1024 * 1024);
    const self = this;
    this.view = {
      mesh,
      get config() {
        return self.config;
      },
    };
  }

  stats(): ProviderStats {
    const { entries, bytes } = this.cache.sizes();
    return { ...this.counters, entries, bytes };
  }

  /** Sizes of the cache's indexes (their keys come from clients), for tests and debugging. */
  cacheSizes(): ResourceCacheSizes {
    return this.cache.sizes();
  }

  get config(): IstioConfigIndex {
    if (this.configIndex) return this.configIndex;
    const meshLocalityLb = this.mesh.meshLocalityLb();
    this.configIndex = new IstioConfigIndex({
      destinationRules: this.mesh.destinationRules(),
      virtualServices: this.mesh.virtualServices(),
      systemNamespace: this.options.systemNamespace,
      clusterOrder: this.mesh.registry.clusters().map((c) => c.id),
      ...(meshLocalityLb ? { meshLocalityLb } : {}),
    });
    return this.configIndex;
  }

  // ---- XdsResourceProvider: the serving path, cached -------------------------------------------

  resources(typeUrl: string, node: XdsNode, names: ReadonlySet<string> | undefined): EncodedResource[] {
    const type = this.types.get(typeUrl);
    if (!type) return [];
    if (names === undefined) return this.wildcard(type, node);
    const out: EncodedResource[] = [];
    for (const name of names) {
      const r = this.resource(type, node, name);
      if (r) out.push(r);
    }
    return out;
  }

  hostOf(typeUrl: string, name: string): string | undefined {
    return this.types.get(typeUrl)?.hostOf(name, this.view);
  }

  private wildcard(type: ResourceType, node: XdsNode): EncodedResource[] {
    if (!type.wildcard) return [];
    const key = `${type.typeUrl}\u0000${type.wildcard.variantOf(node)}`;
    let all = this.wildcards.get(key);
    if (!all) {
      all = [];
      for (const name of type.wildcard.names(this.view, node)) {
        const r = this.resource(type, node, name);
        if (r) all.push(r);
      }
      this.wildcards.set(key, all);
    }
    return all;
  }

  /** One resource, from the cache or generated now. */
  private resource(type: ResourceType, node: XdsNode, name: string): EncodedResource | undefined {
    const variant = type.variantOf(name, node, this.view);
    const entry = this.cache.get(type.typeUrl, variant, name);
    if (entry?.fresh) {
      this.counters.hits++;
      return entry.resource;
    }
    // A stale entry knows what its name means (equal variants mean equal targets).
    const target = entry ? entry.target : type.parse(name, node, this.view);
    // Not a name of this type: nothing to cache (it can never exist).
    if (target === undefined) return undefined;
    this.counters.misses++;
    const resource = this.generate(type, node, name, target);
    if (entry) this.cache.refresh(entry, resource);
    else this.cache.add(type.typeUrl, variant, name, target, resource);
    return resource;
  }

  private generate(type: ResourceType, node: XdsNode, name: string, target: NameTarget): EncodedResource | undefined {
    try {
      const bytes = type.generate(this.view, name, target, node);
      return bytes ? encodedResource(type.typeUrl, name, bytes) : undefined;
    } catch (err) {
      // A resource that cannot be encoded is left out (and logged), never half-sent.
      this.log.error({ typeUrl: type.typeUrl, name, err: (err as Error).message }, 'resource generation failed');
      return undefined;
    }
  }

  // ---- debug: uncached, never touching the serving cache -----------------------------------------

  /**
   * What `node` would get for `names` (undefined = its wildcard set), generated now without reading or
   * filling the cache (config_dump, edsz?proxyID=). Names that do not exist are absent.
   */
  generateUncached(typeUrl: string, node: XdsNode, names: Iterable<string> | undefined): EncodedResource[] {
    const type = this.types.get(typeUrl);
    if (!type) return [];
    const list = names ?? type.wildcard?.names(this.view, node) ?? [];
    const out: EncodedResource[] = [];
    for (const name of list) {
      const target = type.parse(name, node, this.view);
      const r = target === undefined ? undefined : this.generate(type, node, name, target);
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * What a caller with this view (and these locality facts: none when absent) gets for one cluster name,
   * with the reasons and the cluster's locality load balancing (uncached).
   */
  explainAssignment(name: string, view: NetworkView, caller?: CallerFacts): AssignmentResult | undefined {
    const key = parseClusterName(name);
    return key ? buildAssignment(this.mesh, this.config, key, view, caller) : undefined;
  }

  /** Locality load balancing for one cluster (uncached answer, memoized by the config index). */
  localityLb(key: { host: Hostname; port: number; subset: string }): LocalityLbPolicy {
    return this.mesh.hasHost(key.host) ? this.config.localityLb(key) : LOCALITY_LB_OFF;
  }

  /** The route configuration and the problems met building it (uncached). */
  explainRoutes(host: Hostname, port: number, proxyless = true): RouteConfigResult | undefined {
    return new RouteBuilder(this.mesh, this.config, proxyless).build(host, port);
  }

  /** Every cluster name Horizon serves, for debug listings. */
  clusterNames(): string[] {
    return this.mesh.hostnames().flatMap((h) => clusterKeysOf(this.mesh, this.config, h).map((k) => clusterName(k.port, k.subset, k.host)));
  }

  // ---- changes ---------------------------------------------------------------------------------

  /**
   * The services a config change concerns: a rule's host, or every service a wildcard host (`*`,
   * `*.sample.svc.cluster.local`) covers, so their clusters, routes and assignments are regenerated too.
   */
  private configHostsOf(hosts: ReadonlySet<Hostname>): Hostname[] {
    const out: Hostname[] = [];
    for (const host of hosts) {
      if (!host.startsWith('*')) out.push(host);
      else for (const h of this.mesh.hostnames()) if (hostMatches(host, h) > 0) out.push(h);
    }
    return out;
  }

  /** Drops what a change made stale and says which hosts' resources to push, per type. */
  onMeshChanges(changes: MeshChanges): PushRequest | undefined {
    if (changes.full) {
      this.cache.clear();
      this.wildcards.clear();
      this.configIndex = undefined;
      return { full: true, reason: changes.reason ?? 'network topology changed', since: changes.since };
    }
    const whole = new Set<Hostname>([...changes.services, ...this.configHostsOf(changes.configHosts)]);
    if (changes.configHosts.size > 0) this.configIndex = undefined;
    if (whole.size > 0) this.wildcards.clear();
    for (const host of whole) this.cache.invalidateHost(host);
    const endpointsOnly = [...changes.endpoints].filter((h) => !whole.has(h));
    const push = new Map<string, Set<string>>();
    for (const type of this.types.values()) {
      const hosts = new Set<string>(type.changedHosts ? [...whole].flatMap((h) => type.changedHosts!(h, this.view)) : whole);
      if (type.followsEndpoints) {
        for (const host of endpointsOnly) {
          this.cache.invalidateHost(host, type.typeUrl);
          hosts.add(host);
        }
      }
      if (hosts.size > 0) push.set(type.typeUrl, hosts);
    }
    if (push.size === 0) return undefined;
    const hosts = new Set([...whole, ...changes.endpoints]);
    const reason = hosts.size <= 3 ? `changed: ${[...hosts].join(', ')}` : `changed: ${hosts.size} services`;
    return { changes: push, reason, since: changes.since };
  }
}
