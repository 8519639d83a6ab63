// One watched cluster: informers on Services, EndpointSlices, Pods, Nodes, Namespaces and Istio config,
// turned into Horizon's types and kept current. Changes are batched per event-loop turn and announced
// as one `changes` event naming what changed, so consumers recompute only that.
import { EventEmitter } from 'node:events';
import type { KubeConfig, KubernetesObject, V1EndpointSlice, V1Namespace, V1Node, V1Service } from '@kubernetes/client-node';
import { localityKey } from '../split-horizon/localities.js';
import type { DestinationRule, VirtualService } from '../model/istio-config.js';
import { NETWORK_LABEL, SERVICE_NAME_LABEL } from '../model/labels.js';
import type { ClusterId, EndpointRecord, Hostname, ClusterNode, ServiceInfo } from '../model/types.js';
import { logger } from '../log.js';
import { endpointsFromSlices, hostnameOf, type NodeFacts, toClusterNode, toServiceInfo } from './convert.js';
import { type IstioObject, toDestinationRule, toVirtualService } from './convert-istio.js';
import { type InformerState, ResilientInformer } from './informer.js';
import { RefIndex } from './ref-index.js';
import { KubeRest } from './rest.js';
import { Interner, slimEndpointSlice, slimNode, slimPod, slimService, type SlimPod } from './slim.js';
import type { Locality } from '../model/types.js';

export type SyncStatus = 'syncing' | 'synced' | 'timeout' | 'closed';

export interface ClusterSourceOptions {
  id: ClusterId;
  kubeConfig: KubeConfig;
  domain: string;
  systemNamespace: string;
  /** After this long without a full sync the cluster is marked `timeout` (it may still sync later). */
  syncTimeoutMs: number;
  /** Liveness probe of the API server (watches can hang silently); 0 disables it. */
  probeIntervalMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

/** What changed in one batch. */
export interface ClusterChanges {
  cluster: ClusterId;
  /** Services whose definition appeared, changed or went away. */
  services: ReadonlySet<Hostname>;
  /** Services whose endpoints changed. */
  endpoints: ReadonlySet<Hostname>;
  /** Hosts named by changed DestinationRules / VirtualServices. */
  configHosts: ReadonlySet<Hostname>;
  /** Something network-wide changed: system namespace network, nodes' addresses, gateway services. */
  topology: boolean;
}

export interface ConfigError {
  kind: 'DestinationRule' | 'VirtualService';
  namespace: string;
  name: string;
  error: string;
}

const nsName = (o: KubernetesObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

function sameRecord(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  const ak = Object.keys(a ?? {});
  if (ak.length !== Object.keys(b ?? {}).length) return false;
  return ak.every((k) => a![k] === b?.[k]);
}

export class ClusterSource extends EventEmitter {
  readonly id: ClusterId;
  readonly rest: KubeRest;
  readonly kubeConfig: KubeConfig;
  private readonly log;
  private readonly opts: ClusterSourceOptions;
  private readonly informers: ResilientInformer<KubernetesObject>[] = [];

  private readonly services = new Map<string, ServiceInfo>(); // ns/name
  private readonly slices = new Map<string, Map<string, V1EndpointSlice>>(); // service ns/name -> slice name -> slice
  private readonly sliceOwner = new Map<string, string>(); // slice ns/name -> service ns/name
  private podInformer: ResilientInformer<SlimPod> | undefined;
  private readonly podRefs = new RefIndex(); // pod (ns, name) -> services
  private readonly intern = new Interner();
  private readonly localities = new Map<string, Locality>();
  private readonly nodes = new Map<string, ClusterNode>();
  private readonly nodeRefs = new Map<string, Set<string>>(); // node name -> services
  private readonly endpointsByService = new Map<string, readonly EndpointRecord[]>();
  /** The same two tables by hostname: the registry's lookups, without splitting and rejoining names. */
  private readonly servicesByHost = new Map<Hostname, ServiceInfo>();
  private readonly endpointsByHost = new Map<Hostname, readonly EndpointRecord[]>();
  private readonly destinationRules = new Map<string, DestinationRule>();
  private readonly virtualServices = new Map<string, VirtualService>();
  private readonly configErrorsByKey = new Map<string, ConfigError>();
  private systemNetwork = '';

  private dirtyEndpoints = new Set<string>();
  private pending: { services: Set<Hostname>; endpoints: Set<Hostname>; configHosts: Set<Hostname>; topology: boolean } = {
    services: new Set(),
    endpoints: new Set(),
    configHosts: new Set(),
    topology: false,
  };
  private flushScheduled = false;

  private _status: SyncStatus = 'syncing';
  private staleSinceMs: number | undefined;
  private probeFailing = false;
  private _lastError: string | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly syncedWaiters: Array<() => void> = [];

  constructor(options: ClusterSourceOptions) {
    super();
    this.opts = options;
    this.id = options.id;
    this.kubeConfig = options.kubeConfig;
    this.rest = new KubeRest(options.kubeConfig);
    this.log = logger('cluster').child({ cluster: options.id });
  }

  // ---- read side -------------------------------------------------------------------------------

  get status(): SyncStatus {
    return this._status;
  }
  /** Milliseconds since epoch when the API server stopped answering; undefined while healthy. */
  get staleSince(): number | undefined {
    return this.staleSinceMs;
  }
  get lastError(): string | undefined {
    return this._lastError;
  }
  /** The API server URL for display: without any user:password a URL may carry. */
  get server(): string {
    try {
      const u = new URL(this.rest.server);
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/$/, '');
    } catch {
      return '(unparsable server URL)';
    }
  }
  get systemNamespaceNetwork(): string {
    return this.systemNetwork;
  }
  allServices(): IterableIterator<ServiceInfo> {
    return this.services.values();
  }
  /** The Service of a hostname (what the registry asks for, on every resource it builds). */
  serviceOfHost(hostname: Hostname): ServiceInfo | undefined {
    return this.servicesByHost.get(hostname);
  }
  /** Endpoints of a service by hostname. */
  endpointsOfHost(hostname: Hostname): readonly EndpointRecord[] {
    return this.endpointsByHost.get(hostname) ?? [];
  }
  /** Every hostname that has endpoints, with or without a Service object. */
  endpointHosts(): IterableIterator<Hostname> {
    return this.endpointsByHost.keys();
  }
  allNodes(): IterableIterator<ClusterNode> {
    return this.nodes.values();
  }
  allDestinationRules(): IterableIterator<DestinationRule> {
    return this.destinationRules.values();
  }
  allVirtualServices(): IterableIterator<VirtualService> {
    return this.virtualServices.values();
  }
  configErrors(): ConfigError[] {
    return [...this.configErrorsByKey.values()];
  }
  informerStates(): Array<{ path: string; state: InformerState; lastError?: string }> {
    return this.informers.map((i) => ({ path: i.path, state: i.state, ...(i.lastError ? { lastError: i.lastError } : {}) }));
  }
  /** Resolves once every informer has listed once (never rejects; see `status` for timeouts). */
  whenSynced(): Promise<void> {
    if (this._status === 'synced') return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  start(): void {
    const sys = this.opts.systemNamespace;
    const intern = this.intern;
    this.watch<V1Service>(
      '/api/v1/services',
      { upsert: (s) => this.onService(s), remove: (s) => this.onServiceGone(s) },
      {},
      { transform: (o) => slimService(o, intern) },
    );
    this.watch<V1EndpointSlice>(
      '/apis/discovery.k8s.io/v1/endpointslices',
      { upsert: (s) => this.onSlice(s), remove: (s) => this.onSliceGone(s) },
      {},
      { transform: (o) => slimEndpointSlice(o, intern) },
    );
    // Endpoints need only the pods' labels: metadata-only lists and watches, a fraction of the bytes.
    this.podInformer = this.watch<SlimPod>(
      '/api/v1/pods',
      { upsert: (p, before) => this.onPod(p, before), remove: (p) => this.onPodGone(p) },
      {},
      { metadataOnly: true, transform: (o) => slimPod(o, intern) },
    );
    this.watch<V1Node>('/api/v1/nodes', { upsert: (n) => this.onNode(n), remove: (n) => this.onNodeGone(n) }, {}, { transform: slimNode });
    this.watch<V1Namespace>(
      '/api/v1/namespaces',
      { upsert: (n) => this.onNamespace(n, false), remove: (n) => this.onNamespace(n, true) },
      { fieldSelector: `metadata.name=${sys}` },
    );
    this.watch<IstioObject & KubernetesObject>('/apis/networking.istio.io/v1/destinationrules', {
      upsert: (o) => this.onIstio('DestinationRule', o, false),
      remove: (o) => this.onIstio('DestinationRule', o, true),
    });
    this.watch<IstioObject & KubernetesObject>('/apis/networking.istio.io/v1/virtualservices', {
      upsert: (o) => this.onIstio('VirtualService', o, false),
      remove: (o) => this.onIstio('VirtualService', o, true),
    });
    for (const i of this.informers) i.start();
    this.syncTimer = setTimeout(() => {
      if (this._status === 'syncing') {
        this._status = 'timeout';
        this.log.warn({ timeoutMs: this.opts.syncTimeoutMs }, 'cluster not synced in time; serving without it');
        this.emit('status');
      }
    }, this.opts.syncTimeoutMs);
    this.syncTimer.unref();
    const probeMs = this.opts.probeIntervalMs ?? 10_000;
    if (probeMs > 0) this.scheduleProbe(probeMs);
  }

  stop(): void {
    if (this._status === 'closed') return;
    for (const i of this.informers) i.stop();
    this.rest.close();
    clearTimeout(this.syncTimer);
    clearTimeout(this.probeTimer);
    this._status = 'closed';
    for (const w of this.syncedWaiters.splice(0)) w();
    this.emit('status');
  }

  private watch<T extends KubernetesObject>(
    path: string,
    handlers: { upsert(o: T, before: T | undefined): void; remove(o: T): void },
    selectors: { labelSelector?: string; fieldSelector?: string } = {},
    keep: { metadataOnly?: boolean; transform?: (o: KubernetesObject) => T } = {},
  ): ResilientInformer<T> {
    const informer = new ResilientInformer<T>({
      rest: this.rest,
      path,
      ...selectors,
      ...keep,
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      handlers: {
        upsert: (o, before) => handlers.upsert(o, before),
        remove: (o) => handlers.remove(o),
        state: (_state, error) => this.onInformerState(path, error),
      },
    });
    this.informers.push(informer as unknown as ResilientInformer<KubernetesObject>);
    return informer;
  }

  // ---- health ----------------------------------------------------------------------------------

  private onInformerState(path: string, error?: string): void {
    if (error) {
      this._lastError = `${path}: ${error}`;
      this.log.warn({ path, error }, 'informer failing; will retry');
    }
    if (this.probeFailing && this.informers.every((i) => i.state === 'synced' || i.state === 'absent')) this.probeSoon();
    this.updateHealth();
    if (this._status !== 'synced' && this._status !== 'closed' && this.informers.every((i) => i.hasSynced)) {
      this._status = 'synced';
      clearTimeout(this.syncTimer);
      this.log.info('cluster synced');
      for (const w of this.syncedWaiters.splice(0)) w();
      this.emit('status');
    }
  }

  /**
   * The informers answered while the last probe had failed: probe now rather than at the next interval,
   * so the cluster stops being reported stale as soon as it is back.
   */
  private probeSoon(): void {
    const probeMs = this.opts.probeIntervalMs ?? 10_000;
    if (probeMs > 0 && this.probeTimer !== undefined && this._status !== 'closed') this.scheduleProbe(probeMs, 0);
  }

  private updateHealth(): void {
    const failing = this.probeFailing || this.informers.some((i) => i.state === 'failing');
    if (failing && this.staleSinceMs === undefined) {
      this.staleSinceMs = Date.now();
      this.log.warn('cluster API server unreachable; keeping its last known endpoints (stale)');
      this.emit('status');
    } else if (!failing && this.staleSinceMs !== undefined) {
      this.staleSinceMs = undefined;
      this._lastError = undefined;
      this.log.info('cluster API server reachable again');
      this.emit('status');
    }
  }

  /**
   * Probes every intervalMs (after `firstInMs` the first time). A probe in flight is never doubled:
   * probeSoon() only moves the next one forward.
   */
  private scheduleProbe(intervalMs: number, firstInMs = intervalMs): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      try {
        // /readyz, not /version: a kube-apiserver answers /version with its etcd down (found on real
        // control planes), so only readiness says whether changes can still reach us.
        await this.rest.request('/readyz', { timeoutMs: Math.min(5000, intervalMs), accept: 'text/plain' });
        if (this.probeFailing) {
          this.probeFailing = false;
          // Watches opened before the outage may be dead without knowing it: start them over.
          for (const i of this.informers) i.restart();
        }
      } catch (err) {
        if (!this.probeFailing) this._lastError = `liveness probe: ${(err as Error).message}`;
        this.probeFailing = true;
      }
      this.updateHealth();
      if (this._status !== 'closed' && this.probeTimer === undefined) this.scheduleProbe(intervalMs);
    }, firstInMs);
    this.probeTimer.unref();
  }

  // ---- event handlers --------------------------------------------------------------------------

  private hostOf(key: string): Hostname {
    const [ns, name] = key.split('/') as [string, string];
    return hostnameOf(name, ns, this.opts.domain);
  }

  private onService(svc: V1Service): void {
    const key = nsName(svc);
    const info = toServiceInfo(svc, this.id, this.opts.domain);
    const before = this.services.get(key);
    this.services.set(key, info);
    this.servicesByHost.set(info.hostname, info);
    this.pending.services.add(info.hostname);
    if (info.labels[NETWORK_LABEL] !== undefined || before?.labels[NETWORK_LABEL] !== undefined) this.pending.topology = true;
    this.schedule();
  }

  private onServiceGone(svc: V1Service): void {
    const key = nsName(svc);
    const before = this.services.get(key);
    this.services.delete(key);
    const host = this.hostOf(key);
    this.servicesByHost.delete(host);
    this.pending.services.add(host);
    if (before?.labels[NETWORK_LABEL] !== undefined) this.pending.topology = true;
    this.schedule();
  }

  private onSlice(slice: V1EndpointSlice): void {
    const sliceKey = nsName(slice);
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const previousOwner = this.sliceOwner.get(sliceKey);
    if (previousOwner) this.slices.get(previousOwner)?.delete(sliceKey);
    if (previousOwner) this.dirtyEndpoints.add(previousOwner);
    if (!svcName) {
      this.sliceOwner.delete(sliceKey);
      this.schedule();
      return;
    }
    const owner = `${slice.metadata?.namespace ?? ''}/${svcName}`;
    this.sliceOwner.set(sliceKey, owner);
    let bySlice = this.slices.get(owner);
    if (!bySlice) this.slices.set(owner, (bySlice = new Map()));
    bySlice.set(sliceKey, slice);
    this.dirtyEndpoints.add(owner);
    this.schedule();
  }

  private onSliceGone(slice: V1EndpointSlice): void {
    const sliceKey = nsName(slice);
    const owner = this.sliceOwner.get(sliceKey);
    if (!owner) return;
    this.sliceOwner.delete(sliceKey);
    const bySlice = this.slices.get(owner);
    bySlice?.delete(sliceKey);
    if (bySlice && bySlice.size === 0) this.slices.delete(owner);
    this.dirtyEndpoints.add(owner);
    this.schedule();
  }

  private onPod(pod: SlimPod, before: SlimPod | undefined): void {
    // Pods change status often; only what endpoints are built from matters.
    if (before && sameRecord(before.labels, pod.labels) && before.nodeName === pod.nodeName) return;
    for (const svc of this.podRefs.get(pod.metadata.namespace, pod.metadata.name)) this.dirtyEndpoints.add(svc);
    this.schedule();
  }

  private onPodGone(pod: SlimPod): void {
    for (const svc of this.podRefs.get(pod.metadata.namespace, pod.metadata.name)) this.dirtyEndpoints.add(svc);
    this.schedule();
  }

  private onNode(node: V1Node): void {
    const info = toClusterNode(node, this.id);
    const before = this.nodes.get(info.name);
    this.nodes.set(info.name, info);
    if (!before || !sameRecord(before.labels, info.labels)) {
      for (const svc of this.nodeRefs.get(info.name) ?? []) this.dirtyEndpoints.add(svc);
    }
    if (!before || JSON.stringify(before.addresses) !== JSON.stringify(info.addresses)) this.pending.topology = true;
    this.schedule();
  }

  private onNodeGone(node: V1Node): void {
    const name = node.metadata?.name ?? '';
    this.nodes.delete(name);
    for (const svc of this.nodeRefs.get(name) ?? []) this.dirtyEndpoints.add(svc);
    this.pending.topology = true;
    this.schedule();
  }

  private onNamespace(ns: V1Namespace, gone: boolean): void {
    if (ns.metadata?.name !== this.opts.systemNamespace) return;
    const network = gone ? '' : (ns.metadata?.labels?.[NETWORK_LABEL] ?? '');
    if (network === this.systemNetwork) return;
    this.systemNetwork = network;
    this.pending.topology = true;
    this.schedule();
  }

  private onIstio(kind: 'DestinationRule' | 'VirtualService', obj: IstioObject & KubernetesObject, gone: boolean): void {
    const key = nsName(obj);
    const errKey = `${kind}/${key}`;
    const table: Map<string, DestinationRule | VirtualService> = kind === 'DestinationRule' ? this.destinationRules : this.virtualServices;
    const before = table.get(key);
    if (before) for (const h of hostsOf(before)) this.pending.configHosts.add(h);
    this.configErrorsByKey.delete(errKey);
    if (gone) {
      table.delete(key);
    } else {
      const converted =
        kind === 'DestinationRule' ? toDestinationRule(obj, this.id, this.opts.domain) : toVirtualService(obj, this.id, this.opts.domain);
      if (converted.ok) {
        table.set(key, converted.value);
        for (const h of hostsOf(converted.value)) this.pending.configHosts.add(h);
      } else {
        table.delete(key);
        const [namespace = '', name = ''] = key.split('/');
        this.configErrorsByKey.set(errKey, { kind, namespace, name, error: converted.error });
        this.log.warn({ error: converted.error }, 'invalid Istio config refused');
      }
    }
    this.schedule();
  }

  // ---- batching --------------------------------------------------------------------------------

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this._status === 'closed') return;
    const lookup = {
      pod: (ns: string, name: string) => this.podInformer?.get(ns, name),
      node: (name: string): NodeFacts | undefined => this.nodes.get(name),
      locality: (l: Locality) => {
        const k = localityKey(l);
        let shared = this.localities.get(k);
        if (!shared) this.localities.set(k, (shared = Object.freeze(l)));
        return shared;
      },
    };
    for (const key of this.dirtyEndpoints) {
      this.unindex(key);
      const bySlice = this.slices.get(key);
      const ns = key.slice(0, key.indexOf('/'));
      const eps = bySlice ? endpointsFromSlices(this.id, ns, bySlice.values(), lookup) : [];
      const host = this.hostOf(key);
      if (eps.length === 0 && !bySlice) {
        this.endpointsByService.delete(key);
        this.endpointsByHost.delete(host);
      } else {
        this.endpointsByService.set(key, eps);
        this.endpointsByHost.set(host, eps);
      }
      this.index(key);
      this.pending.endpoints.add(host);
    }
    this.dirtyEndpoints = new Set();
    const p = this.pending;
    if (p.services.size === 0 && p.endpoints.size === 0 && p.configHosts.size === 0 && !p.topology) return;
    this.pending = { services: new Set(), endpoints: new Set(), configHosts: new Set(), topology: false };
    const changes: ClusterChanges = { cluster: this.id, ...p };
    this.emit('changes', changes);
  }

  /** podRefs/nodeRefs let a pod or node change find the services it feeds. */
  private index(key: string): void {
    for (const ep of this.endpointsByService.get(key) ?? []) {
      if (ep.podName) this.podRefs.add(ep.namespace, ep.podName, key);
      if (ep.nodeName) addRef(this.nodeRefs, ep.nodeName, key);
    }
  }

  private unindex(key: string): void {
    for (const ep of this.endpointsByService.get(key) ?? []) {
      if (ep.podName) this.podRefs.remove(ep.namespace, ep.podName, key);
      if (ep.nodeName) dropRef(this.nodeRefs, ep.nodeName, key);
    }
  }
}

function hostsOf(c: DestinationRule | VirtualService): readonly Hostname[] {
  return 'host' in c ? [c.host] : c.hosts;
}

function addRef(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) map.set(from, (set = new Set()));
  set.add(to);
}

function dropRef(map: Map<string, Set<string>>, from: string, to: string): void {
  const set = map.get(from);
  if (!set) return;
  set.delete(to);
  if (set.size === 0) map.delete(from);
}
