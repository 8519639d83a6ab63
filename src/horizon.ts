// Horizon assembled from its parts, in one place: clusters (kubeconfig contexts and remote Secrets)
// -> registry -> mesh model (topology) -> resource provider -> push queue -> xDS server. Everything is
// constructed here and nothing is global, so tests can run several Horizons side by side.
import { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigForContext } from './cli/load-kubeconfig.js';
import { logger } from './log.js';
import { ClusterSource } from './kube/cluster-source.js';
import { deniedHost, guardedLookup, type ApiServerAddressPolicy } from './kube/api-server-address.js';
import { LogSummary } from './util/log-summary.js';
import { MeshModel } from './mesh/mesh-model.js';
import { MeshNetworksSources } from './mesh-networks/sources.js';
import { parseMeshNetworksSource } from './mesh-networks/source-parse.js';
import { EMPTY_MESH_CONFIG, parseMeshConfig, type MeshConfig } from './mesh-config/mesh-config.js';
import { IstioConfigMap } from './mesh-networks/istio-config-map.js';
import type { ClusterId } from './model/types.js';
import { RemoteSecretController } from './multicluster/remote-secrets.js';
import { Registry } from './registry/registry.js';
import { GatewayHostnameResolver } from './gateway-dns/hostname-resolver.js';
import { emptyMeshNetworks, type MeshNetworks } from './mesh-networks/index.js';
import { MeshResourceProvider } from './xds/generators/mesh-resource-provider.js';
import { PushQueue } from './xds/push-queue.js';
import { startXdsServer, type XdsServer } from './xds/server/server.js';
import { combineObservers, type XdsServerObserver } from './xds/server/observer.js';
import { checkDebugAddress, startDebugServer, type DebugServer } from './debug/debug-server.js';
import { HorizonMetrics } from './debug/metrics.js';
import type { ClusterStatus as ClusterStatusView, DebugSource, Readiness } from './debug/source.js';
import { horizonDebugSource } from './horizon-debug-source.js';
import { DebugChanges } from './horizon-debug-changes.js';
import { type Limits, resolveLimits } from './limits.js';

export interface HorizonOptions {
  /** The operator's kubeconfig and the contexts to use: the first is the primary (config) cluster. */
  kubeConfig: KubeConfig;
  contexts: readonly string[];
  /** Cluster ID of the primary; default its context name. */
  clusterId?: string;
  meshNetworksFile?: string;
  /** A mesh config file (istiod's --meshConfig): its localityLbSetting wins over ConfigMap istio key `mesh`. */
  meshConfigFile?: string;
  systemNamespace?: string;
  domain?: string;
  /** A cluster not synced by then is served without (status `timeout`); default 30 s. */
  remoteClusterTimeoutMs?: number;
  allowInsecureKubeconfig?: boolean;
  /** Accept remote API servers on link-local / cloud metadata addresses (refused by default). */
  allowLinkLocalApiServers?: boolean;
  /**
   * For tests: more addresses refused for remote API servers, as if they were metadata addresses (a
   * test denies a loopback address and proves nothing connects to it). Can only refuse more; no flag.
   */
  deniedApiServerAddressesForTests?: readonly string[];
  /** Overrides of the size limits (see limits.ts). */
  limits?: Partial<Limits>;
  xdsAddress?: string;
  /** Push coalescing (defaults: 5 ms quiet, 50 ms at most). */
  pushQuietMs?: number;
  pushMaxDelayMs?: number;
  /** DNS servers for gateway hostnames (default: the system's). */
  dnsServers?: readonly string[];
  dnsMinTtlMs?: number;
  /** API server liveness probe interval; default 10 s. */
  probeIntervalMs?: number;
  informerBackoff?: { initialMs: number; maxMs: number };
  xdsObserver?: XdsServerObserver;
  /** Debug HTTP API + /metrics + /ready ('host:port', port 0 = any); not started when absent. */
  debugAddress?: string;
  /** Bearer token the debug API requires; mandatory when debugAddress is not a loopback address. */
  debugToken?: string;
}

/** A cluster's status and Horizon's readiness, in the shapes the debug API declares (one definition). */
export type { ClusterStatus as ClusterStatusView, Readiness } from './debug/source.js';

export interface Horizon {
  readonly primaryId: ClusterId;
  readonly systemNamespace: string;
  /** The size limits in effect. */
  readonly limits: Readonly<Limits>;
  readonly registry: Registry;
  readonly mesh: MeshModel;
  readonly provider: MeshResourceProvider;
  readonly xds: XdsServer;
  readonly remoteSecrets: RemoteSecretController;
  readonly meshNetworks: MeshNetworksSources<MeshNetworks>;
  /** The mesh config (localityLbSetting): ConfigMap istio key `mesh`, and the file when given. */
  readonly meshConfig: MeshNetworksSources<MeshConfig>;
  readonly resolver: GatewayHostnameResolver;
  /** Prometheus metrics (a registry of this Horizon's own). */
  readonly metrics: HorizonMetrics;
  /** The debug HTTP server, when debugAddress was given. */
  readonly debug: DebugServer | undefined;
  /** What the debug API and the metrics read (read-only; never touches the serving cache). */
  readonly debugSource: DebugSource;
  clusterStatuses(): ClusterStatusView[];
  readiness(): Readiness;
  /** Resolves when ready (see readiness()). */
  whenReady(): Promise<void>;
  close(): Promise<void>;
}

export async function startHorizon(options: HorizonOptions): Promise<Horizon> {
  const log = logger('horizon');
  if (options.contexts.length === 0) throw new Error('at least one context (the primary cluster) is required');
  const systemNamespace = options.systemNamespace ?? 'istio-system';
  const domain = options.domain ?? 'cluster.local';
  const syncTimeoutMs = options.remoteClusterTimeoutMs ?? 30_000;
  const primaryContext = options.contexts[0]!;
  const primaryId = options.clusterId ?? primaryContext;
  // Refuse an exposed debug API without a token before anything starts.
  if (options.debugAddress !== undefined) checkDebugAddress(options.debugAddress, options.debugToken);
  const limits = resolveLimits(options.limits);
  const metrics = new HorizonMetrics();
  // One place where repeated failures (watches retrying, Secrets refused again) are counted.
  const logs = new LogSummary();
  const addressPolicy: ApiServerAddressPolicy = {
    allowLinkLocal: options.allowLinkLocalApiServers ?? false,
    ...(options.deniedApiServerAddressesForTests ? { extraDenied: options.deniedApiServerAddressesForTests } : {}),
  };

  const registry = new Registry(domain);
  /** A cluster's source; a remote one (from a Secret) may only reach addresses the policy allows. */
  const makeSource = (id: ClusterId, kubeConfig: KubeConfig, remote: boolean) =>
    new ClusterSource({
      id,
      kubeConfig,
      domain,
      systemNamespace,
      syncTimeoutMs,
      logs,
      onWatchFailure: () => metrics.recordWatchFailure(id),
      onHandlerError: () => metrics.recordHandlerError(id),
      ...(remote ? { rest: { deniedHost: (host: string) => deniedHost(host, addressPolicy), lookup: guardedLookup(addressPolicy) } } : {}),
      ...(options.probeIntervalMs !== undefined ? { probeIntervalMs: options.probeIntervalMs } : {}),
      ...(options.informerBackoff ? { backoff: options.informerBackoff } : {}),
    });

  const contextIds = new Set<ClusterId>();
  const staticSources: ClusterSource[] = [];
  options.contexts.forEach((context, i) => {
    const id = i === 0 ? primaryId : context;
    if (contextIds.has(id)) throw new Error(`cluster ID "${id}" is given twice`);
    contextIds.add(id);
    const source = makeSource(id, kubeConfigForContext(options.kubeConfig, context, 'the kubeconfig'), false);
    staticSources.push(source);
  });
  const primary = staticSources[0]!;

  // ConfigMap istio's one watch serves meshNetworks and the mesh config (keys asked for before it starts).
  const istioConfigMap = new IstioConfigMap(primary.connection, systemNamespace);
  const meshNetworks = new MeshNetworksSources<MeshNetworks>({
    // Bounded by the limits: bytes (a file's checked before it is read) and networks.
    parse: (text, name) => parseMeshNetworksSource(text, name, limits),
    maxFileBytes: limits.meshNetworksBytes,
    empty: emptyMeshNetworks,
    ...(options.meshNetworksFile ? { file: options.meshNetworksFile } : {}),
    configMap: istioConfigMap.key('meshNetworks'),
  });
  // The mesh config from the same ConfigMap (key `mesh`), kept and bounded the same way.
  const meshConfig = new MeshNetworksSources<MeshConfig>({
    parse: (text, name) => parseMeshConfig(text, name, limits),
    limit: 'meshConfigBytes',
    maxFileBytes: limits.meshConfigBytes,
    empty: EMPTY_MESH_CONFIG,
    ...(options.meshConfigFile ? { file: options.meshConfigFile } : {}),
    configMap: istioConfigMap.key('mesh'),
  });
  const resolver = new GatewayHostnameResolver({
    ...(options.dnsServers ? { servers: options.dnsServers } : {}),
    ...(options.dnsMinTtlMs !== undefined ? { minTtlMs: options.dnsMinTtlMs } : {}),
  });
  const mesh = new MeshModel({ registry, meshNetworks, meshConfig, resolver });
  const provider = new MeshResourceProvider(mesh, { systemNamespace });
  // What the debug views would show differently, for live readers (the web view's event stream).
  const debugChanges = new DebugChanges({ mesh, registry, meshNetworks });

  const xds = await startXdsServer({
    address: options.xdsAddress ?? '127.0.0.1:15010',
    provider,
    observer: combineObservers(metrics, options.xdsObserver, debugChanges.xdsObserver),
    limits,
  });
  const queue = new PushQueue({
    onFlush: (request) => xds.push(request),
    ...(options.pushQuietMs !== undefined ? { quietMs: options.pushQuietMs } : {}),
    ...(options.pushMaxDelayMs !== undefined ? { maxDelayMs: options.pushMaxDelayMs } : {}),
  });
  mesh.on('changes', (changes) => {
    const request = provider.onMeshChanges(changes);
    if (request) queue.enqueue(request);
  });

  // The primary's connection owns the Secrets and ConfigMap watches too: both are registered before it
  // starts, so "the primary is synced" includes them.
  await meshNetworks.start();
  await meshConfig.start();
  istioConfigMap.start();
  const remoteSecrets = new RemoteSecretController({
    primary: primary.connection,
    primaryId,
    systemNamespace,
    registry,
    policy: { allowInsecure: options.allowInsecureKubeconfig ?? false, maxBytes: limits.kubeconfigBytes, ...addressPolicy },
    limits,
    logs,
    createSource: (id, kubeConfig) => makeSource(id, kubeConfig, true),
    staticClusterIds: contextIds,
    onRefused: () => metrics.recordSecretRefusal(),
    onChanged: debugChanges.secretsChanged,
  });
  remoteSecrets.start();
  staticSources.forEach((source, i) => {
    registry.add(source.id, { kind: i === 0 ? 'primary' : 'context' }, source);
    source.start();
  });
  log.info({ primary: primaryId, contexts: options.contexts, xds: xds.address }, 'horizon started');

  const clusterStatuses = (): ClusterStatusView[] =>
    registry.clusters().map((c) => ({
      id: c.id,
      primary: c.origin.kind === 'primary',
      origin: c.origin.kind,
      ...(c.origin.secret ? { secret: c.origin.secret } : {}),
      server: c.source.server,
      syncStatus: c.source.status,
      ...(c.source.staleSince !== undefined ? { staleSince: new Date(c.source.staleSince).toISOString() } : {}),
      ...(c.source.lastError ? { lastError: c.source.lastError } : {}),
      watches: c.source.watches(),
    }));

  const readiness = (): Readiness => {
    const reasons: string[] = [];
    // Readiness waits for the first full sync only: a cluster that loses its API server later keeps
    // serving its last known state (stale), and taking Horizon out of service would not help anyone.
    if (!primary.hasSynced) reasons.push(`primary cluster ${primaryId} is ${primary.status}`);
    if (!remoteSecrets.hasSynced) reasons.push('remote cluster secrets not listed yet');
    if (!meshNetworks.hasSynced) reasons.push(`meshNetworks ConfigMap ${systemNamespace}/istio not listed yet`);
    if (!meshConfig.hasSynced) reasons.push(`mesh config ConfigMap ${systemNamespace}/istio not listed yet`);
    for (const c of registry.clusters()) {
      if (c.source === primary) continue;
      if (!c.source.hasSynced && c.source.status === 'syncing') reasons.push(`cluster ${c.id} is syncing`);
    }
    return { ready: reasons.length === 0, reasons };
  };

  const whenReady = () =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!readiness().ready) return false;
        clearInterval(timer);
        resolve();
        return true;
      };
      const timer = setInterval(check, 50);
      timer.unref();
      check();
    });

  let closed = false;
  let debug: DebugServer | undefined;
  const debugSource = horizonDebugSource({ registry, mesh, provider, xds, remoteSecrets, meshNetworks, meshConfig, clusterStatuses, readiness, changes: debugChanges });
  const horizon: Horizon = {
    primaryId,
    systemNamespace,
    limits,
    registry,
    mesh,
    provider,
    xds,
    remoteSecrets,
    meshNetworks,
    meshConfig,
    resolver,
    metrics,
    get debug() {
      return debug;
    },
    debugSource,
    clusterStatuses,
    readiness,
    whenReady,
    close: async () => {
      if (closed) return;
      closed = true;
      await debug?.close();
      debugChanges.close();
      // Stop listening before taking clusters away, so shutdown computes no topology nobody will see.
      queue.close();
      mesh.close();
      remoteSecrets.stop();
      meshNetworks.stop();
      meshConfig.stop();
      istioConfigMap.stop();
      resolver.stop();
      for (const c of registry.clusters()) {
        registry.remove(c.id);
        c.source.stop();
      }
      await xds.close();
      logs.close();
      log.info('horizon stopped');
    },
  };
  metrics.attach(debugSource);
  if (options.debugAddress !== undefined) {
    try {
      debug = await startDebugServer({
        address: options.debugAddress,
        ...(options.debugToken ? { token: options.debugToken } : {}),
        source: debugSource,
        metrics,
      });
    } catch (err) {
      await horizon.close();
      throw err;
    }
  }
  return horizon;
}
