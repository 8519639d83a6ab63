// The mesh as the xDS layer reads it: every service and endpoint of every cluster (registry), each
// endpoint's network and every network's gateways (topology), Istio config and the mesh config's
// locality load balancing default. It owns nothing that talks to Kubernetes: it listens to the
// registry, the meshNetworks and mesh config sources and the gateway DNS resolver, and announces what
// changed, naming hostnames, or `full` when the topology or the mesh-wide default changed.
import { EventEmitter } from 'node:events';
import type { DestinationRule, VirtualService } from '../model/istio-config.js';
import type { ClusterId, Endpoint, Gateway, Hostname, NetworkId, ServiceInfo } from '../model/types.js';
import { logger } from '../log.js';
import type { Registry, RegistryChanges } from '../registry/registry.js';
import { buildTopology, type TopologySnapshot } from '../topology/topology.js';
import type { GatewayHostnameResolver } from '../gateway-dns/hostname-resolver.js';
import { emptyMeshNetworks, type MeshNetworks } from '../mesh-networks/index.js';
import type { LocalityLbSetting } from '../model/istio-config.js';
import { effectiveMeshConfig, type MeshConfig } from '../mesh-config/mesh-config.js';
import type { TopologyProblem } from '../topology/types.js';
import { mergeMeshNetworks } from '../mesh-networks/merge.js';

export interface MeshChanges {
  /** Recompute everything (networks or gateways changed). */
  full: boolean;
  services: ReadonlySet<Hostname>;
  endpoints: ReadonlySet<Hostname>;
  configHosts: ReadonlySet<Hostname>;
  /** When the oldest change in this batch was observed (ms since epoch), for event-to-send latency. */
  since: number;
  /** Why a full push (default: the network topology changed). */
  reason?: string;
}

/** A document kept per source (file, ConfigMap key) with its last good value: meshNetworks, the mesh config. */
export interface SourcedInput<T> {
  /** Current per-source values; undefined where a source has nothing (yet). */
  current(): { configMap: T | undefined; file: T | undefined };
  /** Each source's parse error and warnings (meshNetworks': reported as topology problems in /debug/networkz). */
  sources(): readonly { error?: string; warnings?: readonly string[] }[];
  /** `changed`: a value changed; `error-changed`: only a source's error did. */
  on(event: 'changed' | 'error-changed', listener: () => void): unknown;
}

export type MeshNetworksInput = SourcedInput<MeshNetworks>;

export interface MeshModelOptions {
  registry: Registry;
  meshNetworks?: MeshNetworksInput;
  /** The mesh config (its localityLbSetting); absent: Istio's default. */
  meshConfig?: SourcedInput<MeshConfig>;
  resolver?: GatewayHostnameResolver;
}

export class MeshModel extends EventEmitter {
  private readonly log = logger('mesh');
  readonly registry: Registry;
  private snapshot: TopologySnapshot;
  private fingerprint = '';
  private readonly resolvedEndpoints = new Map<Hostname, readonly Endpoint[]>();
  private overriddenNetworks: string[] = [];
  /** Services named by the snapshot's meshNetworks registryServiceName (computed once per snapshot). */
  private gatewayServiceHosts: ReadonlySet<Hostname> | undefined;
  private topologyDirty = false;
  private topologyScheduled = false;
  private readonly resolver: GatewayHostnameResolver | undefined;
  private readonly meshNetworks: MeshNetworksInput | undefined;
  private readonly meshConfig: SourcedInput<MeshConfig> | undefined;
  private meshConfigInEffect: ReturnType<typeof effectiveMeshConfig>;
  private readonly onRegistryChanges = (c: RegistryChanges) => this.registryChanged(c);

  constructor(options: MeshModelOptions) {
    super();
    this.registry = options.registry;
    this.resolver = options.resolver;
    this.meshNetworks = options.meshNetworks;
    this.meshConfig = options.meshConfig;
    this.meshConfigInEffect = effectiveMeshConfig(this.meshConfig?.current() ?? { configMap: undefined, file: undefined });
    this.meshConfig?.on('changed', () => this.meshConfigChanged());
    const first = this.build();
    this.snapshot = first.snapshot;
    this.fingerprint = first.fingerprint;
    this.registry.on('changes', this.onRegistryChanges);
    this.meshNetworks?.on('changed', () => this.scheduleTopology());
    // Changes no value (so pushes nothing), but the snapshot's problems must show the new error.
    this.meshNetworks?.on('error-changed', () => this.scheduleTopology());
    this.resolver?.onChange(() => this.scheduleTopology());
    this.resolver?.watch(this.snapshot.hostnames);
  }

  close(): void {
    this.registry.off('changes', this.onRegistryChanges);
  }

  // ---- read side -------------------------------------------------------------------------------

  get topology(): TopologySnapshot {
    return this.snapshot;
  }

  get domain(): string {
    return this.registry.domain;
  }

  /** meshNetworks in effect and the networks where the file overrode the ConfigMap. */
  effectiveMeshNetworks(): { value: MeshNetworks; overridden: readonly string[] } {
    return { value: this.snapshot.meshNetworks, overridden: this.overriddenNetworks };
  }

  /** The mesh config in effect and where it came from ('default': no source has one). */
  effectiveMeshConfig(): { value: MeshConfig; from: 'file' | 'configmap' | 'default' } {
    return this.meshConfigInEffect;
  }

  /** The mesh-wide localityLbSetting; undefined = the mesh config does not say (Istio's default applies). */
  meshLocalityLb(): LocalityLbSetting | undefined {
    return this.meshConfigInEffect.value.localityLbSetting;
  }

  problems(): readonly TopologyProblem[] {
    return this.snapshot.problems;
  }

  hostnames(): Hostname[] {
    return [...this.registry.hostnames()].sort();
  }

  /** Whether some cluster has a Service or endpoints of this hostname (a map lookup). */
  hasHost(hostname: Hostname): boolean {
    return this.registry.hasHostname(hostname);
  }

  serviceInstances(hostname: Hostname): ServiceInfo[] {
    return this.registry.serviceInstances(hostname);
  }

  /** Every cluster's endpoints of a service, each with its network decided. Cached per hostname. */
  endpoints(hostname: Hostname): readonly Endpoint[] {
    let eps = this.resolvedEndpoints.get(hostname);
    if (!eps) {
      const lookup = this.snapshot.networks;
      const records = this.registry.endpointRecords(hostname);
      const out: Endpoint[] = new Array(records.length);
      for (let i = 0; i < records.length; i++) {
        const r = records[i]!;
        // Built field by field (not spread): every Endpoint gets the same shape, and this runs per
        // endpoint on every change.
        const e: Endpoint = {
          address: r.address,
          ports: r.ports,
          cluster: r.cluster,
          network: lookup.networkOf({ cluster: r.cluster, address: r.address, podLabels: r.labels }).network,
          locality: r.locality,
          health: r.health,
          namespace: r.namespace,
          labels: r.labels,
        };
        if (r.podName !== undefined) e.podName = r.podName;
        if (r.nodeName !== undefined) e.nodeName = r.nodeName;
        out[i] = e;
      }
      eps = out;
      this.resolvedEndpoints.set(hostname, eps);
    }
    return eps;
  }

  networkOfEndpoint(cluster: ClusterId, address: string, labels: Readonly<Record<string, string>>) {
    return this.snapshot.networks.networkOf({ cluster, address, podLabels: labels });
  }

  gateways(): ReadonlyMap<NetworkId, readonly Gateway[]> {
    return this.snapshot.gateways;
  }

  destinationRules(): DestinationRule[] {
    return this.registry.destinationRules();
  }

  virtualServices(): VirtualService[] {
    return this.registry.virtualServices();
  }

  // ---- change handling -------------------------------------------------------------------------

  private registryChanged(c: RegistryChanges): void {
    const since = Date.now();
    // Resolved endpoints are built from endpoint records and the topology alone (not the Service
    // object); a topology change that matters clears them all in rebuildTopology.
    for (const h of c.endpoints) this.resolvedEndpoints.delete(h);
    const gatewayHosts = this.registryServiceHosts();
    let touchesGateways = false;
    if (gatewayHosts.size > 0) for (const h of c.services) if (gatewayHosts.has(h)) touchesGateways = true;
    // Rebuilt before the change goes out, so nobody is sent endpoints judged by stale gateways.
    if (c.topology || touchesGateways) this.rebuildTopology();
    if (c.services.size > 0 || c.endpoints.size > 0 || c.configHosts.size > 0) {
      const changes: MeshChanges = { full: false, services: c.services, endpoints: c.endpoints, configHosts: c.configHosts, since };
      this.emit('changes', changes);
    }
    if (c.clusters) this.emit('clusters');
  }

  /** Services named by meshNetworks registryServiceName: their addresses are gateway addresses. */
  private registryServiceHosts(): ReadonlySet<Hostname> {
    // Asked on every registry change; the answer only changes with the snapshot.
    if (!this.gatewayServiceHosts) {
      const hosts = new Set<Hostname>();
      for (const n of this.snapshot.meshNetworks.networks) {
        for (const g of n.gateways) if ('registryServiceName' in g) hosts.add(g.registryServiceName);
      }
      this.gatewayServiceHosts = hosts;
    }
    return this.gatewayServiceHosts;
  }

  /** A new mesh-wide default changes the locality answer of every cluster without a rule of its own: full push. */
  private meshConfigChanged(): void {
    const next = effectiveMeshConfig(this.meshConfig!.current());
    const same = JSON.stringify(next.value) === JSON.stringify(this.meshConfigInEffect.value);
    this.meshConfigInEffect = next;
    if (same) return;
    this.log.info({ from: next.from }, 'mesh config localityLbSetting changed');
    this.emit('changes', { full: true, services: new Set(), endpoints: new Set(), configHosts: new Set(), since: Date.now(), reason: 'mesh config changed' } satisfies MeshChanges);
  }

  /** Several triggers in one turn rebuild the topology once. */
  private scheduleTopology(): void {
    this.topologyDirty = true;
    if (this.topologyScheduled) return;
    this.topologyScheduled = true;
    setImmediate(() => {
      this.topologyScheduled = false;
      if (!this.topologyDirty) return;
      this.topologyDirty = false;
      this.rebuildTopology();
    });
  }

  private rebuildTopology(): void {
    const since = Date.now();
    const { snapshot: next, fingerprint } = this.build();
    this.resolver?.watch(next.hostnames);
    this.snapshot = next;
    this.gatewayServiceHosts = undefined;
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    this.resolvedEndpoints.clear();
    // A meshNetworks document may name thousands of networks: the log line names a few and counts them.
    const networks = [...next.gateways.keys()];
    this.log.info({ networks: networks.slice(0, 20), networkCount: networks.length, gateways: next.allGateways.length }, 'network topology changed');
    this.emit('changes', { full: true, services: new Set(), endpoints: new Set(), configHosts: new Set(), since } satisfies MeshChanges);
  }

  private build(): { snapshot: TopologySnapshot; fingerprint: string } {
    const clusters = this.registry.clusters();
    const systemNamespaceNetworks = new Map<ClusterId, NetworkId>();
    for (const c of clusters) {
      const n = c.source.systemNamespaceNetwork;
      if (n) systemNamespaceNetworks.set(c.id, n);
    }
    const sources = this.meshNetworks?.current();
    const merged = mergeMeshNetworks(sources?.configMap, sources?.file);
    this.overriddenNetworks = merged.overridden;
    const meshNetworksProblems: TopologyProblem[] = [];
    for (const s of this.meshNetworks?.sources() ?? []) {
      for (const message of s.warnings ?? []) meshNetworksProblems.push({ severity: 'warning', subject: 'meshNetworks', message });
      if (s.error) meshNetworksProblems.push({ severity: 'error', subject: 'meshNetworks', message: s.error });
    }
    const resolver = this.resolver;
    const snapshot = buildTopology({
      meshNetworks: merged.value.networks.length > 0 ? merged.value : emptyMeshNetworks,
      meshNetworksProblems,
      systemNamespaceNetworks,
      services: clusters.flatMap((c) => [...c.source.allServices()]),
      nodes: clusters.flatMap((c) => [...c.source.allNodes()]),
      lookupHostname: (h) => resolver?.lookup(h),
      domainSuffix: this.registry.domain,
    });
    // What, if it changes, changes what some caller may receive.
    const fingerprint = JSON.stringify({
      gateways: snapshot.allGateways.map((g) => [g.network, g.address, g.port, g.cluster]),
      meshNetworks: snapshot.meshNetworks,
      systemNamespaces: [...systemNamespaceNetworks].sort(),
    });
    return { snapshot, fingerprint };
  }
}
