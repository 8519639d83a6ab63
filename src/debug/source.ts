// What the debug API reads, and nothing more: plain data and small read-only functions, grouped by
// what they are about. Declared here and implemented by the composition root (src/horizon-debug-source.ts),
// so debug/ depends on no concrete class of the server; tests hand in a fake of the same shape.
// Nothing here may fill or evict the serving cache: resources are generated on request, uncached.
import type { DestinationRule, VirtualService } from '../model/istio-config.js';
import type { ClusterId, Endpoint, Gateway, Hostname, NetworkView, ServiceInfo } from '../model/types.js';
import type { LocalityLbSetting } from '../model/istio-config.js';
import type { MeshNetworks } from '../mesh-networks/types.js';
import type { CallerFacts } from '../split-horizon/failover-view.js';
import type { LocalityLbPolicy } from '../split-horizon/locality-lb-policy.js';
import type { AssignmentPlan } from '../split-horizon/types.js';
import type { NetworkDecision } from '../topology/network-of.js';
import type { TopologyProblem } from '../topology/types.js';
import type { EncodedResource } from '../xds/codec/any.js';
import type { ClusterLoadAssignmentInput } from '../xds/resources/cluster-load-assignment.js';
import type { ConnectionSnapshot } from '../xds/server/snapshot.js';
import type { XdsNode } from '../xds/xds-node.js';

/** Services, endpoints and networks as the mesh model has them now. */
export interface DebugMesh {
  /** Service domain, e.g. `cluster.local`. */
  readonly domain: string;
  /** Every hostname with a Service or endpoints in some cluster, sorted. */
  hostnames(): readonly Hostname[];
  serviceInstances(host: Hostname): readonly ServiceInfo[];
  /** Every cluster's endpoints of a service, each with its network decided. */
  endpoints(host: Hostname): readonly Endpoint[];
  /** Which network an endpoint is on and the rule that decided it. */
  networkOf(cluster: ClusterId, address: string, labels: Readonly<Record<string, string>>): NetworkDecision;
  /** Gateways (sorted), topology problems, gateway hostnames without an answer yet. */
  topology(): { gateways: readonly Gateway[]; problems: readonly TopologyProblem[]; unresolvedHostnames: readonly string[] };
  /** meshNetworks in effect, the networks the file overrides, and each source's state. */
  meshNetworks(): { effective: MeshNetworks; overridden: readonly string[]; sources: readonly MeshNetworksSourceStatus[] };
  /** The mesh config's localityLbSetting in effect (undefined: Istio's default), where it came from, and each source's state. */
  meshConfig(): { localityLbSetting: LocalityLbSetting | undefined; from: 'file' | 'configmap' | 'default'; sources: readonly SourceStatus<{ localityLbSetting?: LocalityLbSetting }>[] };
}

/** One source of a document kept with its last good value (a file, a ConfigMap key). */
export interface SourceStatus<T> {
  name: string;
  value: T | undefined;
  error?: string;
  warnings?: readonly string[];
  loadedAt?: string;
}

export type MeshNetworksSourceStatus = SourceStatus<MeshNetworks>;

export interface RuleChoice<T> {
  rule: T | undefined;
  shadowed: readonly T[];
}

/** The Istio config in force, and what could not be honoured. */
export interface DebugIstioConfig {
  destinationRules(): readonly DestinationRule[];
  virtualServices(): readonly VirtualService[];
  destinationRuleChoice(host: Hostname): RuleChoice<DestinationRule>;
  virtualServiceChoice(host: Hostname): RuleChoice<VirtualService>;
  /** Problems met building the routes of one service port (built on request, uncached). */
  routeProblems(host: Hostname, port: number): readonly { route: string; problem: string }[];
  /** Rules refused as a whole, per cluster. */
  refused(): readonly { cluster: ClusterId; kind: string; namespace: string; name: string; error: string }[];
  /** Locality load balancing for one cluster (its traffic policy with the mesh default); off when there is no such service. */
  localityLb(host: Hostname, port: number, subset: string): LocalityLbPolicy;
}

/** An assignment as a caller would receive it, the decision behind it, and the cluster's locality load balancing. */
export interface ExplainedPlan {
  input: ClusterLoadAssignmentInput;
  plan: AssignmentPlan;
  localityLb: LocalityLbPolicy;
}

/** Resources as Horizon would build them now, never read from or written to the serving cache. */
export interface DebugResources {
  /** Every cluster name Horizon serves. */
  clusterNames(): readonly string[];
  /**
   * What a caller with this view gets for one cluster name, and why; undefined when there is no such
   * cluster. `caller`: its locality and labels, for locality load balancing (default: none of either).
   */
  explainAssignment(clusterName: string, view: NetworkView, caller?: CallerFacts): ExplainedPlan | undefined;
  /** What `node` would be sent for these names, generated now (names that do not exist are absent). */
  generateUncached(typeUrl: string, node: XdsNode, names: ReadonlySet<string>): readonly EncodedResource[];
}

/** The xDS server's connections, as snapshots. */
export interface DebugXds {
  connections(): readonly ConnectionSnapshot[];
  /** The server's version string (config_dump's serverVersion). */
  version(): string;
}

export type ClusterSyncStatus = 'syncing' | 'synced' | 'timeout' | 'closed';

export interface ClusterStatus {
  id: ClusterId;
  primary: boolean;
  origin: 'primary' | 'context' | 'secret';
  secret?: { namespace: string; name: string; key: string };
  server: string;
  syncStatus: ClusterSyncStatus;
  staleSince?: string;
  lastError?: string;
  /** Every watch on its API server, whoever owns it (cluster, remote-secrets, mesh-networks). */
  watches: readonly ClusterWatchStatus[];
}

/** One watch on a cluster's API server. */
export interface ClusterWatchStatus {
  owner: string;
  path: string;
  state: 'starting' | 'synced' | 'failing' | 'absent' | 'stopped';
  since: string;
  lastError?: string;
  /** Failed attempts in a row. */
  failures: number;
  handlerErrors: number;
  lastHandlerError?: string;
}

export interface RemoteSecretStatus {
  secret: { namespace: string; name: string; key: string };
  clusterId: ClusterId;
  state: 'active' | 'rotating' | 'refused';
  error?: string;
  since: string;
}

export interface DebugClusters {
  /** Registered clusters, primary first. */
  statuses(): readonly ClusterStatus[];
  /** Every remote Secret key Horizon has seen: active, rotating or refused. */
  remoteSecrets(): readonly RemoteSecretStatus[];
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
}

/**
 * Which debug views a change made stale (absent fields: not touched), so a live reader (the web view's
 * event stream) knows what to read again. It names what changed, never the new state: that is read
 * from the views themselves, so a notification and the JSON cannot disagree.
 */
export interface DebugChange {
  /** Clusters added, removed, synced, stale or refused; remote Secrets (/debug/clusterz). */
  clusters?: boolean;
  /** Networks or gateways changed (/debug/networkz; every service's view). */
  topology?: boolean;
  /** meshNetworks sources changed or failed (/debug/mesh, /debug/networkz problems). */
  mesh?: boolean;
  /** Connected proxies or their sync state (/debug/syncz, /debug/adsz). */
  proxies?: boolean;
  /** Hostnames whose services, endpoints or Istio config changed (/debug/edsz?network=&host=). */
  services?: readonly string[];
}

export interface DebugSource {
  readonly mesh: DebugMesh;
  readonly config: DebugIstioConfig;
  readonly resources: DebugResources;
  readonly xds: DebugXds;
  readonly clusters: DebugClusters;
  readiness(): Readiness;
  /**
   * Calls `listener` (synchronously, often: merging is the listener's job) after every change a view
   * would show; returns the function that stops it. Nothing is computed while nobody listens.
   */
  onChange(listener: (change: DebugChange) => void): () => void;
}
