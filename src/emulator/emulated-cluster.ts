// One emulated cluster: its state (objects, controllers, addresses), its API server, the programmatic
// helpers tests and benchmarks use to read and write objects without HTTP, and the fault hooks.
import { randomBytes } from 'node:crypto';
import { ApiError } from './api-error.js';
import { ApiServer } from './api-server.js';
import { configMapHooks, customResourceHooks, endpointSliceHooks, namespaceHooks, nodeHooks, secretHooks } from './basic-admission.js';
import type { ClusterDefinition } from './cluster-definition.js';
import { ClusterNetwork } from './cluster-network.js';
import { ClusterState, type DeleteOptions, type PatchType } from './cluster-state.js';
import { DeploymentController } from './deployment-controller.js';
import { deploymentHooks } from './deployment-admission.js';
import { EndpointSliceController } from './endpointslice-controller.js';
import { parseFieldSelector } from './field-selector.js';
import { parseCidr, type Cidr } from './ip-pool.js';
import type { KObject } from './k8s-object.js';
import { kubeconfigYaml, type KubeconfigEntry } from './kubeconfig.js';
import { parseLabelSelector } from './label-selector.js';
import { podHooks, withReadiness } from './pod-admission.js';
import { clusterRoleBindingHooks, clusterRoleHooks, roleBindingHooks, roleHooks } from './rbac-admission.js';
import { crdHooks } from './crd-admission.js';
import { ResourceRegistry, type ResourceType } from './resource-types.js';
import { ServiceAccountTokenController } from './serviceaccount-token-controller.js';
import { createSelfSignedCert, type SelfSignedCert } from './self-signed-cert.js';
import { serviceHooks } from './service-admission.js';
import { logger as makeLogger, type Logger } from '../log.js';

export interface EmulatedClusterOptions {
  /** Overrides the definition's apiPort (0 = any free port). */
  port?: number;
  /** Watch events kept per resource type for resuming watches (default 10000). */
  watchHistorySize?: number;
  /** Interval of BOOKMARK events for watches that allow them (default 10 s). */
  bookmarkIntervalMs?: number;
  /** Unsent bytes above which a watcher counts as slow (default 16 MiB). */
  maxWatchBufferedBytes?: number;
  /** How long a slow watcher may stay above that before it is dropped (default 2 s). */
  slowWatcherGraceMs?: number;
  /** TLS certificate to serve (default: a fresh self-signed one); share one across a set if you like. */
  tls?: SelfSignedCert;
  logger?: Logger;
}

export interface KubeconfigOptions {
  contextName?: string;
  user?: string;
  /** Emit insecure-skip-tls-verify instead of the CA certificate. */
  insecureSkipTlsVerify?: boolean;
  /**
   * Point at the plain-HTTP side of the port (http://, insecure-skip-tls-verify). client-node sends
   * the token over http; kubectl does not (it would get 401), so the default is https.
   */
  plainHttp?: boolean;
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ClusterFaults {
  /** Ends every open watch cleanly; clients re-watch from their last resourceVersion. Returns how many. */
  dropWatches(): number;
  /** Forgets the watch history: re-watching from an older resourceVersion gets 410 Gone. */
  compactHistory(): void;
  /** Sets a pod's Ready condition; its EndpointSlice entries follow. */
  setPodReady(namespace: string, name: string, ready: boolean): KObject;
}

const defaultNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class EmulatedCluster {
  readonly id: string;
  readonly network: string;
  readonly token: string;
  readonly definition: ClusterDefinition;
  readonly state: ClusterState;
  readonly faults: ClusterFaults;
  private readonly server: ApiServer;
  private readonly tls: SelfSignedCert;
  private readonly log: Logger;
  private readonly requestedPort: number;
  private boundPort = 0;
  private running = false;
  private closed = false;

  private constructor(def: ClusterDefinition, opts: EmulatedClusterOptions) {
    this.definition = def;
    this.id = def.clusterID;
    this.network = def.network;
    this.token = def.token ?? randomBytes(24).toString('hex');
    this.requestedPort = opts.port ?? def.apiPort ?? 0;
    this.tls = opts.tls ?? createSelfSignedCert(`horizon-emulated-${def.clusterID}`);
    this.log = (opts.logger ?? makeLogger('emulator')).child({ cluster: def.clusterID });
    const registry = new ResourceRegistry();
    this.state = new ClusterState(registry, { historySize: opts.watchHistorySize, podDeletionGracePeriodSeconds: def.podDeletionGracePeriodSeconds, logger: this.log });
    const cidr = (text: string): Cidr => {
      const c = parseCidr(text);
      if (typeof c === 'string') throw new Error(`cluster ${def.clusterID}: ${c}`);
      return c;
    };
    const net = new ClusterNetwork(cidr(def.podCIDR), cidr(def.serviceCIDR), cidr(def.loadBalancerPool));
    const st = this.state;
    st.setHooks('Namespace', namespaceHooks);
    st.setHooks('Node', nodeHooks);
    st.setHooks('Secret', secretHooks);
    st.setHooks('ConfigMap', configMapHooks);
    st.setHooks('EndpointSlice', endpointSliceHooks);
    st.setHooks('Service', serviceHooks(net));
    st.setHooks('Pod', podHooks(net));
    st.setHooks('Deployment', deploymentHooks);
    st.setHooks('ClusterRole', clusterRoleHooks);
    st.setHooks('Role', roleHooks);
    st.setHooks('ClusterRoleBinding', clusterRoleBindingHooks);
    st.setHooks('RoleBinding', roleBindingHooks);
    st.setHooks('CustomResourceDefinition', crdHooks);
    for (const t of registry.types) if (t.custom) st.setHooks(t.kind, customResourceHooks);
    const tokens = new ServiceAccountTokenController(st, this.tls.cert);
    st.addController(new DeploymentController(st));
    st.addController(new EndpointSliceController(st));
    st.addController(tokens);

    this.faults = {
      dropWatches: () => this.server.dropWatches(),
      compactHistory: () => this.state.store.compactHistory(),
      setPodReady: (namespace, name, ready) => {
        const podType = st.typeOfKind('Pod');
        const pod = st.get(podType, namespace, name);
        return clone(st.writeIfChanged(podType, pod, withReadiness(pod, ready)));
      },
    };
    const version = def.kubernetesVersion ?? 'v1.30.4';
    const minor = version.split('.')[1] ?? '30';
    this.server = new ApiServer({
      state: st,
      token: this.token,
      serviceAccountIdentity: (token) => tokens.identityOf(token),
      rbac: {
        clusterRole: (name) => st.store.collection(st.typeOfKind('ClusterRole')).get(undefined, name),
        clusterRoleBindings: () => st.store.collection(st.typeOfKind('ClusterRoleBinding')).values(),
        role: (ns, name) => st.store.collection(st.typeOfKind('Role')).get(ns, name),
        roleBindings: (ns) => st.store.collection(st.typeOfKind('RoleBinding')).values(ns),
      },
      version: { major: '1', minor, gitVersion: version },
      tls: this.tls,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 10_000,
      maxWatchBufferedBytes: opts.maxWatchBufferedBytes ?? 16 * 1024 * 1024,
      slowWatcherGraceMs: opts.slowWatcherGraceMs ?? 2000,
      faults: {
        ...this.faults,
        restart: async (downMs) => {
          await this.stop();
          await new Promise((r) => setTimeout(r, downMs));
          await this.restart();
        },
      },
      logger: this.log,
      describe: () => this.describe(),
    });
  }

  /** Builds the cluster's initial objects (namespaces, nodes, manifests) and starts its API server. */
  static async start(def: ClusterDefinition, opts: EmulatedClusterOptions = {}): Promise<EmulatedCluster> {
    const c = new EmulatedCluster(def, opts);
    c.bootstrap();
    await c.restart();
    return c;
  }

  get port(): number {
    return this.boundPort;
  }

  /** https URL of the API server (the same port also answers plain http: see httpUrl). */
  get url(): string {
    return `https://127.0.0.1:${this.boundPort}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  /** PEM certificate the server presents (its own CA). */
  get caCertificate(): string {
    return this.tls.cert;
  }

  get isRunning(): boolean {
    return this.running;
  }

  kubeconfigEntry(opts: KubeconfigOptions = {}): KubeconfigEntry {
    return {
      contextName: opts.contextName ?? this.id,
      clusterName: opts.contextName ?? this.id,
      user: opts.user ?? `${this.id}-admin`,
      server: opts.plainHttp ? this.httpUrl : this.url,
      token: this.token,
      caCertificate: this.tls.cert,
      insecureSkipTlsVerify: opts.insecureSkipTlsVerify || opts.plainHttp,
    };
  }

  /** A kubeconfig with this one cluster (context named after the cluster ID unless told otherwise). */
  kubeconfigYaml(opts: KubeconfigOptions = {}): string {
    const e = this.kubeconfigEntry(opts);
    return kubeconfigYaml([e], e.contextName);
  }

  // ---------- programmatic access (same semantics as the API; controllers run) ----------

  /** Creates an object; namespaced objects go to metadata.namespace or `default`. */
  create(obj: KObject | Record<string, unknown>, opts: { dryRun?: boolean } = {}): KObject {
    const o = obj as KObject;
    return clone(this.state.create(this.typeOf(o), o, { namespace: o.metadata?.namespace, dryRun: opts.dryRun }));
  }

  /** The object, or undefined if it does not exist. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): KObject | undefined {
    const o = this.state.tryGet(this.state.typeOf(apiVersion, kind), namespace || undefined, name);
    return o ? clone(o) : undefined;
  }

  list(apiVersion: string, kind: string, query: ListQuery = {}): KObject[] {
    const type = this.state.typeOf(apiVersion, kind);
    return this.state
      .list(type, { namespace: query.namespace, labelSelector: parseLabelSelector(query.labelSelector), fieldSelector: parseFieldSelector(query.fieldSelector, type.kind) })
      .items.map(clone);
  }

  /** How many objects of a kind exist (in a namespace): cheap, no copies. */
  count(apiVersion: string, kind: string, namespace?: string): number {
    const c = this.state.store.collection(this.state.typeOf(apiVersion, kind));
    if (namespace === undefined) return c.size;
    let n = 0;
    for (const _ of c.values(namespace)) n++;
    return n;
  }

  /** Replaces an object (PUT semantics: 409 on a stale metadata.resourceVersion). */
  update(obj: KObject, opts: { dryRun?: boolean; subresource?: 'status' } = {}): KObject {
    return clone(this.state.update(this.typeOf(obj), obj, { namespace: obj.metadata.namespace, name: obj.metadata.name, ...opts }));
  }

  patch(apiVersion: string, kind: string, namespace: string | undefined, name: string, patch: unknown, type: PatchType = 'merge', opts: { dryRun?: boolean; subresource?: 'status' } = {}): KObject {
    return clone(this.state.patch(this.state.typeOf(apiVersion, kind), namespace || undefined, name, type, patch, opts));
  }

  /** Deletes an object; returns its last state (a terminating pod when a grace period applies). */
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    return clone(this.state.delete(this.state.typeOf(apiVersion, kind), namespace || undefined, name, opts));
  }

  /** Creates the object, or merges it into the existing one (a convenience, not kubectl apply). */
  apply(obj: KObject): KObject {
    const type = this.typeOf(obj);
    const ns = type.namespaced ? (obj.metadata.namespace ?? 'default') : undefined;
    if (!this.state.tryGet(type, ns, obj.metadata.name!)) return this.create(obj);
    return clone(this.state.patch(type, ns, obj.metadata.name!, type.custom ? 'merge' : 'strategic', obj));
  }

  /**
   * Creates many objects at once: controllers run once at the end instead of after every object,
   * and nothing is copied back. Namespaces in the list are created first.
   */
  load(objects: Iterable<KObject>): number {
    let n = 0;
    this.state.batch(() => {
      const rest: KObject[] = [];
      for (const o of objects) {
        if (o.kind === 'Namespace') {
          this.state.create(this.typeOf(o), o);
          n++;
        } else rest.push(o);
      }
      for (const o of rest) {
        this.state.create(this.typeOf(o), o, { namespace: o.metadata?.namespace });
        n++;
      }
    });
    return n;
  }

  /** Runs `fn` with controllers deferred to its end (for bulk changes through the helpers above). */
  batch<T>(fn: () => T): T {
    return this.state.batch(fn);
  }

  // ---------- lifecycle ----------

  /** Stops serving (open watches end cleanly); objects and the port stay for restart(). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.server.close();
    this.log.debug('stopped');
  }

  /** Serves again, on the same port as before, with the same objects. */
  async restart(): Promise<void> {
    if (this.closed) throw new Error(`emulated cluster ${this.id} is closed`);
    if (this.running) return;
    const port = this.boundPort || this.requestedPort;
    let lastErr: unknown;
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        this.boundPort = await this.server.listen(port);
        this.running = true;
        this.log.debug({ port: this.boundPort }, 'serving');
        return;
      } catch (err) {
        lastErr = err;
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`emulated cluster ${this.id}: cannot listen on 127.0.0.1:${port}: ${(lastErr as Error).message}`);
  }

  /** Stops for good: the server, the timers. */
  async close(): Promise<void> {
    await this.stop();
    this.closed = true;
    this.state.close();
  }

  describe(): object {
    const counts: Record<string, number> = {};
    for (const c of this.state.store.all()) counts[c.type.resource] = c.size;
    return { clusterID: this.id, network: this.network, url: this.url, resourceVersion: this.state.store.resourceVersion, openWatches: this.server.openWatches, connectionsAccepted: this.server.connectionsAccepted, objects: counts };
  }

  private typeOf(obj: { apiVersion?: unknown; kind?: unknown }): ResourceType {
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') throw new ApiError(400, 'BadRequest', 'object needs apiVersion and kind');
    return this.state.typeOf(obj.apiVersion, obj.kind);
  }

  private bootstrap(): void {
    const st = this.state;
    const def = this.definition;
    const version = def.kubernetesVersion ?? 'v1.30.4';
    st.batch(() => {
      for (const ns of defaultNamespaces) st.create(st.typeOfKind('Namespace'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      // The one bootstrap role people bind to in instructions; the admin token needs no binding.
      st.create(st.typeOfKind('ClusterRole'), {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'cluster-admin', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } },
        rules: [
          { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
          { nonResourceURLs: ['*'], verbs: ['*'] },
        ],
      });
      for (const n of def.nodes) {
        st.create(st.typeOfKind('Node'), {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: n.name, labels: n.labels },
          spec: {},
          status: {
            addresses: [
              { type: 'InternalIP', address: n.internalIP },
              { type: 'Hostname', address: n.name },
            ],
            nodeInfo: { kubeletVersion: version, kubeProxyVersion: version, containerRuntimeVersion: 'emulated://1.0', operatingSystem: 'linux', architecture: 'amd64', osImage: 'Horizon emulated node' },
          },
        });
      }
      const manifests = [...def.manifests].sort((a, b) => Number(b.object.kind === 'Namespace') - Number(a.object.kind === 'Namespace'));
      for (const m of manifests) {
        const o = m.object;
        const what = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
        try {
          const type = st.registry.byKind(o.apiVersion, o.kind);
          if (!type) throw new Error(`${o.apiVersion} ${o.kind} is not a kind the emulator serves`);
          if (o.kind === 'Namespace' && st.tryGet(type, undefined, o.metadata.name!)) {
            st.patch(type, undefined, o.metadata.name!, 'merge', { metadata: { labels: o.metadata.labels ?? {}, annotations: o.metadata.annotations ?? {} } });
            continue;
          }
          st.create(type, o, { namespace: o.metadata.namespace });
        } catch (err) {
          throw new Error(`${m.source}: ${what}: ${(err as Error).message}`);
        }
      }
    });
  }
}

function clone<T>(v: T): T {
  return structuredClone(v);
}
