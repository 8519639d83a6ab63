// One watched cluster, as the registry sees it: a connection to its API server (kube-connection.ts:
// REST client, probe, health, every watch) and one store per kind (stores/), wired together here. The
// stores mark what their events changed in one batch, announced once per event-loop turn as a
// `changes` event naming what changed, so consumers recompute only that.
import { EventEmitter } from 'node:events';
import type { KubeConfig, KubernetesObject, V1EndpointSlice, V1Namespace, V1Node, V1Service } from '@kubernetes/client-node';
import type { DestinationRule, VirtualService } from '../model/istio-config.js';
import type { ClusterId, EndpointRecord, Hostname, ClusterNode, ServiceInfo } from '../model/types.js';
import { logger } from '../log.js';
import { ChangeBatch } from './change-batch.js';
import type { IstioObject } from './convert-istio.js';
import { KubeConnection, type KubeConnectionOptions, type KubeWatch, type SyncStatus, type WatchSpec, type WatchStatus } from './kube-connection.js';
import { Interner, slimEndpointSlice, slimNode, slimPod, slimService, type SlimPod } from './slim.js';
import { EndpointStore } from './stores/endpoint-store.js';
import { IstioConfigStore, type ConfigError, type IstioKind } from './stores/istio-config-store.js';
import { NodeStore } from './stores/node-store.js';
import { ServiceStore } from './stores/service-store.js';
import { SystemNamespaceStore } from './stores/system-namespace-store.js';

export type { ClusterChanges } from './change-batch.js';
export type { ConfigError } from './stores/istio-config-store.js';
export type { SyncStatus, WatchStatus } from './kube-connection.js';

export interface ClusterSourceOptions extends Omit<KubeConnectionOptions, 'cluster'> {
  id: ClusterId;
  kubeConfig: KubeConfig;
  domain: string;
  systemNamespace: string;
}

const NO_ENDPOINTS: readonly EndpointRecord[] = Object.freeze([]);

export class ClusterSource extends EventEmitter {
  readonly id: ClusterId;
  /** The API server connection; other owners (remote Secrets, meshNetworks) add their watches to it. */
  readonly connection: KubeConnection;
  private readonly batch: ChangeBatch;
  private readonly services: ServiceStore;
  private readonly endpoints: EndpointStore;
  private readonly nodes: NodeStore;
  private readonly systemNamespace: SystemNamespaceStore;
  private readonly istio: IstioConfigStore;

  constructor(options: ClusterSourceOptions) {
    super();
    const { id, domain, systemNamespace } = options;
    this.id = id;
    this.connection = new KubeConnection({ ...options, cluster: id });
    this.connection.on('status', () => this.emit('status'));
    this.batch = new ChangeBatch(() => this.flush());
    let pods: KubeWatch<SlimPod> | undefined;
    this.services = new ServiceStore(id, domain, this.batch);
    this.endpoints = new EndpointStore(id, domain, this.batch, { pod: (ns, name) => pods?.get(ns, name), node: (name) => this.nodes.get(name) });
    this.nodes = new NodeStore(id, this.batch, (name) => this.endpoints.nodeChanged(name));
    this.systemNamespace = new SystemNamespaceStore(systemNamespace, this.batch);
    this.istio = new IstioConfigStore(id, domain, this.batch, logger('cluster').child({ cluster: id }));

    // Each watch feeds one store; what is kept of each object is slimmed (slim.ts) and its repeated
    // strings shared.
    const intern = new Interner();
    const watch = <T extends KubernetesObject>(
      path: string,
      handlers: WatchSpec<T>['handlers'],
      more: Pick<WatchSpec<T>, 'transform' | 'metadataOnly' | 'fieldSelector'> = {},
    ) => this.connection.watch<T>({ owner: 'cluster', path, handlers, ...more });
    const into = <T>(store: { upsert(o: T): void; remove(o: T): void }) => ({ upsert: (o: T) => store.upsert(o), remove: (o: T) => store.remove(o) });
    watch<V1Service>('/api/v1/services', into(this.services), { transform: (o) => slimService(o, intern) });
    watch<V1EndpointSlice>(
      '/apis/discovery.k8s.io/v1/endpointslices',
      { upsert: (s) => this.endpoints.upsertSlice(s), remove: (s) => this.endpoints.removeSlice(s) },
      { transform: (o) => slimEndpointSlice(o, intern) },
    );
    // Endpoints need only the pods' labels: metadata-only lists and watches, a fraction of the bytes.
    pods = watch<SlimPod>(
      '/api/v1/pods',
      { upsert: (p, before) => this.endpoints.upsertPod(p, before), remove: (p) => this.endpoints.removePod(p) },
      { metadataOnly: true, transform: (o) => slimPod(o, intern) },
    );
    watch<V1Node>('/api/v1/nodes', into(this.nodes), { transform: slimNode });
    watch<V1Namespace>('/api/v1/namespaces', into(this.systemNamespace), { fieldSelector: `metadata.name=${systemNamespace}` });
    for (const [kind, plural] of [
      ['DestinationRule', 'destinationrules'],
      ['VirtualService', 'virtualservices'],
    ] as Array<[IstioKind, string]>) {
      watch<IstioObject & KubernetesObject>(`/apis/networking.istio.io/v1/${plural}`, {
        upsert: (o) => this.istio.upsert(kind, o),
        remove: (o) => this.istio.remove(kind, o),
      });
    }
  }

  // ---- health (the connection's) -----------------------------------------------------------------

  get kubeConfig(): KubeConfig {
    return this.connection.kubeConfig;
  }
  get status(): SyncStatus {
    return this.connection.status;
  }
  /** True once every watch has listed once (see kube-connection.ts for what each status means). */
  get hasSynced(): boolean {
    return this.connection.hasSynced;
  }
  /** Milliseconds since epoch when the API server stopped answering; undefined while healthy. */
  get staleSince(): number | undefined {
    return this.connection.staleSince;
  }
  get lastError(): string | undefined {
    return this.connection.lastError;
  }
  /** The API server URL for display: without any user:password a URL may carry. */
  get server(): string {
    return this.connection.server;
  }
  /** Every watch on this cluster's API server, whoever owns it. */
  watches(): WatchStatus[] {
    return this.connection.watches();
  }
  /** Resolves once synced (never rejects; resolves on stop too; see `status` for timeouts). */
  whenSynced(): Promise<void> {
    return this.connection.whenSynced();
  }

  // ---- read side (the stores') -------------------------------------------------------------------

  get systemNamespaceNetwork(): string {
    return this.systemNamespace.network;
  }
  allServices(): IterableIterator<ServiceInfo> {
    return this.services.all();
  }
  /** The Service of a hostname (what the registry asks for, on every resource it builds). */
  serviceOfHost(hostname: Hostname): ServiceInfo | undefined {
    return this.services.ofHost(hostname);
  }
  /** Endpoints of a service by hostname. */
  endpointsOfHost(hostname: Hostname): readonly EndpointRecord[] {
    return this.endpoints.ofHost(hostname) ?? NO_ENDPOINTS;
  }
  /** Every hostname that has endpoints, with or without a Service object. */
  endpointHosts(): IterableIterator<Hostname> {
    return this.endpoints.hosts();
  }
  allNodes(): IterableIterator<ClusterNode> {
    return this.nodes.all();
  }
  allDestinationRules(): IterableIterator<DestinationRule> {
    return this.istio.allDestinationRules();
  }
  allVirtualServices(): IterableIterator<VirtualService> {
    return this.istio.allVirtualServices();
  }
  configErrors(): ConfigError[] {
    return this.istio.configErrors();
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  start(): void {
    this.connection.start();
  }

  stop(): void {
    this.connection.stop();
  }

  private flush(): void {
    if (this.connection.status === 'closed') return;
    this.endpoints.rebuildDirty();
    const changes = this.batch.take(this.id);
    if (changes) this.emit('changes', changes);
  }
}
