// The debug side room: HTTP API, metrics. It reads Horizon's state through DebugSource and never changes it.
export { startDebugServer, checkDebugAddress, defaultDebugHttpLimits, type DebugServer, type DebugServerOptions, type DebugHttpLimits } from './debug-server.js';
export { HorizonMetrics, type MetricsSource } from './metrics.js';
export { isLoopbackHost, bearerMatches, hostAllowed } from './auth.js';
export { ROUTES } from './routes.js';
export { DEBUG_BOUNDS } from './bounds.js';
export type {
  DebugSource,
  DebugMesh,
  DebugIstioConfig,
  DebugResources,
  DebugXds,
  DebugClusters,
  DebugChange,
  ClusterStatus,
  ClusterSyncStatus,
  RemoteSecretStatus,
  MeshNetworksSourceStatus,
  Readiness,
  RuleChoice,
} from './source.js';
export type { ClusterzEntry, ClusterzSyncStatus } from './views/clusterz.js';
export type { NetworkEdsz } from './views/edsz.js';
export type { ExplainedAssignment, ExplainedEndpoint, LeftOutEndpoint } from './views/explain-assignment.js';
export type { Networkz, NetworkzGateway } from './views/networkz.js';
export type { Endpointz, EndpointzEntry } from './views/endpointz.js';
export type { RegistryzService } from './views/registryz.js';
export type { SynczEntry, SynczType } from './views/syncz.js';
export type { ConfigDump, DumpedResource } from './views/config-dump.js';
export type { Adsz, AdszClient } from './views/adsz.js';
export type { MeshView } from './views/mesh.js';
