// Every registered cluster's services and endpoints, by hostname. Clusters are added, replaced
// (make-before-break rotation: the new source is already synced) and removed here; consumers get one
// `changes` event per batch naming the hostnames that changed, so they recompute only those.
import { EventEmitter } from 'node:events';
import type { DestinationRule, VirtualService } from '../model/istio-config.js';
import type { ClusterId, EndpointRecord, Hostname, ServiceInfo } from '../model/types.js';
import type { ClusterChanges, ClusterSource } from '../kube/cluster-source.js';

export interface ClusterOrigin {
  /** The primary (config) cluster, or a static member named by a kubeconfig context. */
  kind: 'primary' | 'context' | 'secret';
  secret?: { namespace: string; name: string; key: string };
}

export interface RegisteredCluster {
  id: ClusterId;
  origin: ClusterOrigin;
  source: ClusterSource;
}

export interface RegistryChanges {
  services: ReadonlySet<Hostname>;
  endpoints: ReadonlySet<Hostname>;
  configHosts: ReadonlySet<Hostname>;
  /** Networks or gateways may have changed: every view of every assignment must be recomputed. */
  topology: boolean;
  /** Cluster membership changed (debug and readiness care). */
  clusters: boolean;
}

export class Registry extends EventEmitter {
  private readonly entries = new Map<ClusterId, RegisteredCluster>();
  private readonly sourceListeners = new Map<ClusterId, { changes: (c: ClusterChanges) => void; status: () => void }>();
  /** hostname -> clusters that have a Service or endpoints for it. */
  private readonly hostIndex = new Map<Hostname, Set<ClusterId>>();
  /** clusters() in order, kept until membership changes (read on every endpoint lookup). */
  private ordered: RegisteredCluster[] | undefined;

  constructor(readonly domain: string) {
    super();
  }

  // ---- membership ------------------------------------------------------------------------------

  add(id: ClusterId, origin: ClusterOrigin, source: ClusterSource): void {
    if (this.entries.has(id)) throw new Error(`cluster ${id} is already registered`);
    this.entries.set(id, { id, origin, source });
    this.ordered = undefined;
    this.attach(id, source);
    const hosts = this.reindexCluster(id, source);
    this.announce({ services: hosts, endpoints: hosts, configHosts: configHostsOf(source), topology: true, clusters: true });
  }

  /** Swap a cluster's source for a new, synced one; the old one is detached (the caller stops it). */
  replace(id: ClusterId, origin: ClusterOrigin, source: ClusterSource): ClusterSource {
    const old = this.entries.get(id);
    if (!old) throw new Error(`cluster ${id} is not registered`);
    this.detach(id, old.source);
    this.entries.set(id, { id, origin, source });
    this.ordered = undefined;
    this.attach(id, source);
    const before = this.dropFromIndex(id);
    const after = this.reindexCluster(id, source);
    const hosts = new Set([...before, ...after]);
    const config = new Set([...configHostsOf(old.source), ...configHostsOf(source)]);
    this.announce({ services: hosts, endpoints: hosts, configHosts: config, topology: true, clusters: true });
    return old.source;
  }

  /** Forget a cluster and everything it contributed; the caller stops its source. */
  remove(id: ClusterId): ClusterSource | undefined {
    const old = this.entries.get(id);
    if (!old) return undefined;
    this.detach(id, old.source);
    this.entries.delete(id);
    this.ordered = undefined;
    const hosts = this.dropFromIndex(id);
    this.announce({ services: hosts, endpoints: hosts, configHosts: configHostsOf(old.source), topology: true, clusters: true });
    return old.source;
  }

  has(id: ClusterId): boolean {
    return this.entries.has(id);
  }

  get(id: ClusterId): RegisteredCluster | undefined {
    return this.entries.get(id);
  }

  /** Primary first, then the rest by ID. */
  clusters(): RegisteredCluster[] {
    return [...this.orderedClusters()];
  }

  private orderedClusters(): readonly RegisteredCluster[] {
    this.ordered ??= [...this.entries.values()].sort((a, b) =>
      a.origin.kind === 'primary' ? -1 : b.origin.kind === 'primary' ? 1 : a.id.localeCompare(b.id),
    );
    return this.ordered;
  }

  // ---- read side -------------------------------------------------------------------------------

  hostnames(): IterableIterator<Hostname> {
    return this.hostIndex.keys();
  }

  /** Whether some cluster has a Service or endpoints of this hostname. */
  hasHostname(hostname: Hostname): boolean {
    return this.hostIndex.has(hostname);
  }

  /** The Service of this hostname in every cluster that declares it, primary first. */
  serviceInstances(hostname: Hostname): ServiceInfo[] {
    const out: ServiceInfo[] = [];
    for (const c of this.orderedClustersOf(hostname)) {
      const svc = c.source.serviceOfHost(hostname);
      if (svc) out.push(svc);
    }
    return out;
  }

  /** Every cluster's endpoints of this hostname, before network resolution. */
  endpointRecords(hostname: Hostname): EndpointRecord[] {
    const out: EndpointRecord[] = [];
    for (const c of this.orderedClustersOf(hostname)) {
      for (const ep of c.source.endpointsOfHost(hostname)) out.push(ep);
    }
    return out;
  }

  destinationRules(): DestinationRule[] {
    return this.clusters().flatMap((c) => [...c.source.allDestinationRules()]);
  }

  virtualServices(): VirtualService[] {
    return this.clusters().flatMap((c) => [...c.source.allVirtualServices()]);
  }

  private orderedClustersOf(hostname: Hostname): readonly RegisteredCluster[] {
    const ids = this.hostIndex.get(hostname);
    if (!ids) return [];
    const all = this.orderedClusters();
    if (ids.size === all.length) return all;
    return all.filter((c) => ids.has(c.id));
  }

  // ---- plumbing --------------------------------------------------------------------------------

  private attach(id: ClusterId, source: ClusterSource): void {
    const changes = (c: ClusterChanges) => this.onClusterChanges(id, source, c);
    const status = () => this.emit('status', id);
    source.on('changes', changes);
    source.on('status', status);
    this.sourceListeners.set(id, { changes, status });
  }

  private detach(id: ClusterId, source: ClusterSource): void {
    const l = this.sourceListeners.get(id);
    if (!l) return;
    source.off('changes', l.changes);
    source.off('status', l.status);
    this.sourceListeners.delete(id);
  }

  private onClusterChanges(id: ClusterId, source: ClusterSource, c: ClusterChanges): void {
    for (const host of new Set([...c.services, ...c.endpoints])) this.indexHost(id, source, host);
    this.announce({ services: c.services, endpoints: c.endpoints, configHosts: c.configHosts, topology: c.topology, clusters: false });
  }

  private indexHost(id: ClusterId, source: ClusterSource, host: Hostname): void {
    const present = source.serviceOfHost(host) !== undefined || source.endpointsOfHost(host).length > 0;
    let set = this.hostIndex.get(host);
    if (present) {
      if (!set) this.hostIndex.set(host, (set = new Set()));
      set.add(id);
    } else if (set) {
      set.delete(id);
      if (set.size === 0) this.hostIndex.delete(host);
    }
  }

  private reindexCluster(id: ClusterId, source: ClusterSource): Set<Hostname> {
    const hosts = new Set<Hostname>();
    for (const svc of source.allServices()) hosts.add(svc.hostname);
    for (const host of source.endpointHosts()) hosts.add(host);
    for (const h of hosts) this.indexHost(id, source, h);
    return hosts;
  }

  private dropFromIndex(id: ClusterId): Set<Hostname> {
    const hosts = new Set<Hostname>();
    for (const [host, ids] of this.hostIndex) {
      if (!ids.delete(id)) continue;
      hosts.add(host);
      if (ids.size === 0) this.hostIndex.delete(host);
    }
    return hosts;
  }

  private announce(changes: RegistryChanges): void {
    this.emit('changes', changes);
  }
}

function configHostsOf(source: ClusterSource): Set<Hostname> {
  const hosts = new Set<Hostname>();
  for (const dr of source.allDestinationRules()) hosts.add(dr.host);
  for (const vs of source.allVirtualServices()) for (const h of vs.hosts) hosts.add(h);
  return hosts;
}

/** `<name>.<namespace>.svc.<domain>` -> parts; undefined for anything else. */
export function splitHost(hostname: Hostname, domain: string): { name: string; namespace: string } | undefined {
  const suffix = `.svc.${domain}`;
  if (!hostname.endsWith(suffix)) return undefined;
  const [name, namespace, ...rest] = hostname.slice(0, -suffix.length).split('.');
  if (!name || !namespace || rest.length > 0) return undefined;
  return { name, namespace };
}
