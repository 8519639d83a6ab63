// What every client gets, computed from the mesh model and cached: each resource is generated and
// encoded once per variant (network view for EDS; client kind for CDS/RDS) and the bytes are shared by
// every client of that variant. Changes invalidate only the resources of the hosts that changed, and
// come back as a push request naming them, so the server touches only their subscribers.
import { LRUCache } from 'lru-cache';
import type { MeshChanges, MeshModel } from '../../mesh/mesh-model.js';
import type { Hostname, NetworkView } from '../../model/types.js';
import { encodedResource, type EncodedResource } from '../codec/any.js';
import { networkViewOf, type XdsNode } from '../xds-node.js';
import { encodeEdsCluster } from '../resources/cluster.js';
import { encodeClusterLoadAssignment } from '../resources/cluster-load-assignment.js';
import { encodeApiListener } from '../resources/listener.js';
import { encodeRouteConfiguration } from '../resources/route-configuration.js';
import type { PushRequest, XdsResourceProvider } from '../server/provider.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE, LISTENER_TYPE, PUSH_ORDER, ROUTE_CONFIGURATION_TYPE } from '../type-urls.js';
import { buildCluster, clusterKeysOf } from './cds.js';
import { buildAssignment, type AssignmentResult } from './eds.js';
import { IstioConfigIndex } from './istio-config-index.js';
import { clusterName, parseClusterName, qualifyTargetHost, routeConfigName, splitHostPort, type ClusterKey } from './names.js';
import { RouteBuilder, type RouteConfigResult } from './rds.js';
import { logger } from '../../log.js';

export interface MeshResourceProviderOptions {
  systemNamespace: string;
  /** Bound on the encoded-resource cache (bytes); default 256 MiB. */
  cacheMaxBytes?: number;
  /**
   * Names clients asked for are remembered (existing or not) so that a change reaches their subscribers;
   * past this many, the next change is pushed in full and only the names still subscribed are
   * remembered again. Default 200k.
   */
  maxRememberedNames?: number;
}

interface CacheEntry {
  host: Hostname;
  /** EDS entries: their place in the view -> name index in front of the cache. */
  view?: string;
  name?: string;
  /** undefined: the resource does not exist (cached too: asking again costs nothing). */
  resource: EncodedResource | undefined;
}

export interface ProviderStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

export class MeshResourceProvider implements XdsResourceProvider {
  private readonly log = logger('xds-provider');
  private readonly cache: LRUCache<string, CacheEntry>;
  /** host -> cache keys, so a host's change drops exactly its entries. */
  private readonly keysByHost = new Map<Hostname, Set<string>>();
  /** host -> type -> names clients asked for (existing or not), so a change reaches their subscribers. */
  private readonly namesByHost = new Map<Hostname, Map<string, Set<string>>>();
  private readonly wildcardClusters = new Map<string, EncodedResource[]>();
  /**
   * EDS name -> its parsed key, for the cluster names clients asked for (remembered in namesByHost too):
   * parsed once, and the same host string every time (its hash is computed once for all lookups).
   */
  private readonly edsKeys = new Map<string, ClusterKey>();
  /**
   * Cached EDS entries by view key, then name: the lookup every stream of a push makes, on keys whose
   * hashes are already computed (the cache's own key is a string built per lookup). Entries leave it
   * when they leave the cache (dispose).
   */
  private readonly edsByView = new Map<string, Map<string, CacheEntry>>();
  private configIndex: IstioConfigIndex | undefined;
  /** Names in namesByHost, and the count past which they are refreshed (see maxRememberedNames). */
  private remembered = 0;
  private rememberLimit: number;
  /** Set by a refresh: the next change re-measures what the live subscriptions need. */
  private measureAfterRefresh = false;
  private readonly counters = { hits: 0, misses: 0 };

  constructor(
    private readonly mesh: MeshModel,
    private readonly options: MeshResourceProviderOptions,
  ) {
    this.rememberLimit = options.maxRememberedNames ?? 200_000;
    this.cache = new LRUCache<string, CacheEntry>({
      maxSize: options.cacheMaxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (e) => 256 + (e.resource?.any.length ?? 0),
      dispose: (entry, key) => {
        if (entry.view !== undefined) {
          const byName = this.edsByView.get(entry.view);
          if (byName?.get(entry.name!) === entry) {
            byName.delete(entry.name!);
            // View keys come from client metadata (free text): an empty view must not stay behind.
            if (byName.size === 0) this.edsByView.delete(entry.view);
          }
        }
        const keys = this.keysByHost.get(entry.host);
        keys?.delete(key);
        if (keys && keys.size === 0) this.keysByHost.delete(entry.host);
      },
    });
  }

  stats(): ProviderStats {
    return { ...this.counters, entries: this.cache.size, bytes: this.cache.calculatedSize };
  }

  /** Sizes of the indexes in front of the cache (their keys come from clients), for tests and debugging. */
  indexSizes(): { hosts: number; names: number; edsKeys: number; edsViews: number; limit: number } {
    let names = 0;
    for (const byType of this.namesByHost.values()) for (const set of byType.values()) names += set.size;
    return { hosts: this.namesByHost.size, names, edsKeys: this.edsKeys.size, edsViews: this.edsByView.size, limit: this.rememberLimit };
  }

  get config(): IstioConfigIndex {
    this.configIndex ??= new IstioConfigIndex({
      destinationRules: this.mesh.destinationRules(),
      virtualServices: this.mesh.virtualServices(),
      systemNamespace: this.options.systemNamespace,
      clusterOrder: this.mesh.registry.clusters().map((c) => c.id),
    });
    return this.configIndex;
  }

  // ---- XdsResourceProvider ---------------------------------------------------------------------

  resources(typeUrl: string, node: XdsNode, names: ReadonlySet<string> | undefined): EncodedResource[] {
    if (names === undefined) return this.wildcard(typeUrl, node);
    const out: EncodedResource[] = [];
    for (const name of names) {
      const r = this.resource(typeUrl, node, name);
      if (r) out.push(r);
    }
    return out;
  }

  private wildcard(typeUrl: string, node: XdsNode): EncodedResource[] {
    if (typeUrl === CLUSTER_TYPE) {
      const variant = node.proxyless ? 'grpc' : 'envoy';
      let all = this.wildcardClusters.get(variant);
      if (!all) {
        all = [];
        for (const host of this.mesh.hostnames()) {
          for (const key of clusterKeysOf(this.mesh, this.config, host)) {
            const r = this.resource(typeUrl, node, clusterName(key.port, key.subset, key.host));
            if (r) all.push(r);
          }
        }
        this.wildcardClusters.set(variant, all);
      }
      return all;
    }
    if (typeUrl === LISTENER_TYPE && node.proxyless) {
      const out: EncodedResource[] = [];
      for (const host of this.mesh.hostnames()) {
        const ports = new Set(this.mesh.serviceInstances(host).flatMap((s) => s.ports.map((p) => p.port)));
        for (const port of ports) {
          const r = this.resource(typeUrl, node, `${host}:${port}`);
          if (r) out.push(r);
        }
      }
      return out;
    }
    // Envoy's listeners are out of Horizon's scope, and EDS/RDS are always asked for by name.
    return [];
  }

  /** One resource, from the cache or generated now. */
  private resource(typeUrl: string, node: XdsNode, name: string): EncodedResource | undefined {
    let target: { host: Hostname; variant: string } | undefined;
    if (typeUrl === CLUSTER_LOAD_ASSIGNMENT_TYPE) {
      // The hot path (every endpoint change, every stream): the name's host is parsed and remembered
      // once, and the variant is the caller's view key.
      const hot = this.edsByView.get(node.viewKey)?.get(name);
      if (hot) {
        this.counters.hits++;
        return hot.resource;
      }
      let key = this.edsKeys.get(name);
      if (key === undefined) {
        key = parseClusterName(name);
        if (key === undefined) return undefined;
        this.edsKeys.set(name, key);
        this.remember(key.host, typeUrl, name);
      }
      target = { host: key.host, variant: node.viewKey };
    } else {
      target = this.target(typeUrl, node, name);
      if (!target) return undefined;
      this.remember(target.host, typeUrl, name);
    }
    const cacheKey = `${typeUrl}\u0000${target.variant}\u0000${name}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      this.counters.hits++;
      if (hit.view !== undefined) this.indexEds(hit);
      return hit.resource;
    }
    this.counters.misses++;
    let entry: CacheEntry;
    try {
      entry = this.generate(typeUrl, node, name, target.host);
    } catch (err) {
      // A resource that cannot be encoded is left out (and logged), never half-sent.
      this.log.error({ typeUrl, name, err: (err as Error).message }, 'resource generation failed');
      entry = { host: target.host, resource: undefined };
    }
    if (typeUrl === CLUSTER_LOAD_ASSIGNMENT_TYPE) {
      entry.view = target.variant;
      entry.name = name;
    }
    this.cache.set(cacheKey, entry);
    if (entry.view !== undefined && this.cache.get(cacheKey) === entry) this.indexEds(entry);
    let keys = this.keysByHost.get(target.host);
    if (!keys) this.keysByHost.set(target.host, (keys = new Set()));
    keys.add(cacheKey);
    return entry.resource;
  }

  private indexEds(entry: CacheEntry): void {
    let byName = this.edsByView.get(entry.view!);
    if (!byName) this.edsByView.set(entry.view!, (byName = new Map()));
    byName.set(entry.name!, entry);
  }

  /** Which host a name is about, and which clients can share its bytes. */
  private target(typeUrl: string, node: XdsNode, name: string): { host: Hostname; variant: string } | undefined {
    // (EDS names never come here: resource() resolves them on its own hot path.)
    if (typeUrl === CLUSTER_TYPE) {
      const key = parseClusterName(name);
      if (!key) return undefined;
      return { host: key.host, variant: node.proxyless ? 'grpc' : 'envoy' };
    }
    if (typeUrl === LISTENER_TYPE || typeUrl === ROUTE_CONFIGURATION_TYPE) {
      if (typeUrl === LISTENER_TYPE && !node.proxyless) return undefined;
      const hp = splitHostPort(name);
      if (!hp) return undefined;
      const host = qualifyTargetHost(hp.host, this.mesh.domain, node.namespace);
      if (!host) return undefined;
      // A one-label name depends on the caller's namespace; every other spelling names one service.
      const variant = `${hp.host.includes('.') ? '' : node.namespace}|${node.proxyless ? 'grpc' : 'envoy'}`;
      return { host, variant };
    }
    return undefined;
  }

  private generate(typeUrl: string, node: XdsNode, name: string, host: Hostname): CacheEntry {
    switch (typeUrl) {
      case CLUSTER_LOAD_ASSIGNMENT_TYPE: {
        const built = buildAssignment(this.mesh, this.config, this.edsKeys.get(name) ?? parseClusterName(name)!, networkViewOf(node));
        if (!built) return { host, resource: undefined };
        return { host, resource: encodedResource(typeUrl, name, encodeClusterLoadAssignment(built.input)) };
      }
      case CLUSTER_TYPE: {
        const built = buildCluster(this.mesh, this.config, parseClusterName(name)!, node.proxyless);
        return { host, resource: built ? encodedResource(typeUrl, name, encodeEdsCluster(built)) : undefined };
      }
      case LISTENER_TYPE: {
        const port = splitHostPort(name)!.port;
        const exists = this.mesh.serviceInstances(host).some((s) => s.ports.some((p) => p.port === port));
        if (!exists) return { host, resource: undefined };
        return { host, resource: encodedResource(typeUrl, name, encodeApiListener({ name, routeConfigName: routeConfigName(host, port) })) };
      }
      case ROUTE_CONFIGURATION_TYPE: {
        const built = this.routes(host, splitHostPort(name)!.port, node.proxyless);
        if (!built) return { host, resource: undefined };
        return { host, resource: encodedResource(typeUrl, name, encodeRouteConfiguration({ ...built.input, name })) };
      }
      default:
        return { host, resource: undefined };
    }
  }

  private routes(host: Hostname, port: number, proxyless: boolean): RouteConfigResult | undefined {
    return new RouteBuilder(this.mesh, this.config, proxyless).build(host, port);
  }

  private remember(host: Hostname, typeUrl: string, name: string): void {
    let byType = this.namesByHost.get(host);
    if (!byType) this.namesByHost.set(host, (byType = new Map()));
    let set = byType.get(typeUrl);
    if (!set) byType.set(typeUrl, (set = new Set()));
    if (set.has(name)) return;
    set.add(name);
    this.remembered++;
  }

  // ---- debug -----------------------------------------------------------------------------------

  /** What a caller with this view gets for one cluster name, with the reasons (uncached). */
  explainAssignment(name: string, view: NetworkView): AssignmentResult | undefined {
    const key = parseClusterName(name);
    return key ? buildAssignment(this.mesh, this.config, key, view) : undefined;
  }

  /** The route configuration and the problems met building it (uncached). */
  explainRoutes(host: Hostname, port: number, proxyless = true): RouteConfigResult | undefined {
    return this.routes(host, port, proxyless);
  }

  /**
   * What `node` would be sent for these names, generated now: the cache is neither read nor filled, no
   * name is remembered and no counter moves, so a debug read never changes what clients are served.
   */
  generateUncached(typeUrl: string, node: XdsNode, names: ReadonlySet<string>): EncodedResource[] {
    const out: EncodedResource[] = [];
    for (const name of names) {
      const host = typeUrl === CLUSTER_LOAD_ASSIGNMENT_TYPE ? parseClusterName(name)?.host : this.target(typeUrl, node, name)?.host;
      if (host === undefined) continue;
      try {
        const r = this.generate(typeUrl, node, name, host).resource;
        if (r) out.push(r);
      } catch (err) {
        this.log.error({ typeUrl, name, err: (err as Error).message }, 'resource generation failed (debug)');
      }
    }
    return out;
  }

  /** Every cluster name Horizon serves, for debug listings. */
  clusterNames(): string[] {
    return this.mesh.hostnames().flatMap((h) => clusterKeysOf(this.mesh, this.config, h).map((k) => clusterName(k.port, k.subset, k.host)));
  }

  // ---- changes ---------------------------------------------------------------------------------

  /** Drops what a change made stale and says which resources to push. */
  onMeshChanges(changes: MeshChanges): PushRequest | undefined {
    if (this.measureAfterRefresh) {
      // The refresh's full push has re-remembered what is live: never refresh again below twice that,
      // or subscriptions that alone pass the limit would make every change a full push.
      this.measureAfterRefresh = false;
      this.rememberLimit = Math.max(this.options.maxRememberedNames ?? 200_000, 2 * this.remembered);
    }
    const refresh = !changes.full && this.remembered > this.rememberLimit;
    if (changes.full || refresh) {
      this.cache.clear();
      this.edsByView.clear();
      // Names clients asked for (any valid name, existing or not) are forgotten here, the one point where
      // that is safe: a full push makes every stream ask for its whole subscription again, which
      // remembers exactly the names still subscribed. (Forgetting a removed host's names on an ordinary
      // change would not be: its subscribers must hear when it comes back.)
      this.edsKeys.clear();
      this.namesByHost.clear();
      this.remembered = 0;
      this.measureAfterRefresh = refresh;
      this.wildcardClusters.clear();
      this.configIndex = undefined;
      const reason = refresh ? `clients asked for over ${this.rememberLimit} names: pushing in full to remember only those still subscribed` : 'network topology changed';
      if (refresh) this.log.warn({ limit: this.rememberLimit }, reason);
      return { full: true, reason, since: changes.since };
    }
    const push = new Map<string, Set<string>>();
    const add = (typeUrl: string, names: Iterable<string>) => {
      let set = push.get(typeUrl);
      if (!set) push.set(typeUrl, (set = new Set()));
      for (const n of names) set.add(n);
    };
    const whole = new Set<Hostname>([...changes.services, ...changes.configHosts]);
    if (changes.configHosts.size > 0) this.configIndex = undefined;
    if (whole.size > 0) this.wildcardClusters.clear();
    for (const host of whole) {
      this.drop(host, undefined);
      for (const t of PUSH_ORDER) add(t, this.namesByHost.get(host)?.get(t) ?? []);
      // Names nobody asked for yet still matter to wildcard (Envoy) subscribers.
      for (const k of clusterKeysOf(this.mesh, this.config, host)) add(CLUSTER_TYPE, [clusterName(k.port, k.subset, k.host)]);
    }
    for (const host of changes.endpoints) {
      if (whole.has(host)) continue;
      this.drop(host, CLUSTER_LOAD_ASSIGNMENT_TYPE);
      add(CLUSTER_LOAD_ASSIGNMENT_TYPE, this.namesByHost.get(host)?.get(CLUSTER_LOAD_ASSIGNMENT_TYPE) ?? []);
    }
    for (const [t, names] of push) if (names.size === 0) push.delete(t);
    if (push.size === 0) return undefined;
    const hosts = new Set([...whole, ...changes.endpoints]);
    const reason = hosts.size <= 3 ? `changed: ${[...hosts].join(', ')}` : `changed: ${hosts.size} services`;
    return { changes: push, reason, since: changes.since };
  }

  private drop(host: Hostname, typeUrl: string | undefined): void {
    const keys = this.keysByHost.get(host);
    if (!keys) return;
    for (const key of [...keys]) {
      if (typeUrl === undefined || key.startsWith(`${typeUrl}\u0000`)) this.cache.delete(key);
    }
  }
}
