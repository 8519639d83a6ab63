// What the debug API reads: the parts of a running Horizon, read-only. Horizon satisfies this as it is;
// tests may hand in anything of the same shape.
import type { MeshModel } from '../mesh/mesh-model.js';
import type { MeshNetworksSources } from '../meshconfig/mesh-networks-sources.js';
import type { ClusterId } from '../model/types.js';
import type { RemoteSecretController } from '../multicluster/remote-secrets.js';
import type { Registry } from '../registry/registry.js';
import type { MeshNetworks } from '../topology/types.js';
import type { MeshResourceProvider } from '../xds/generators/mesh-resource-provider.js';
import type { XdsServer } from '../xds/server/server.js';
import type { ClusterStatusView, Readiness } from '../horizon.js';

export interface DebugSource {
  readonly primaryId: ClusterId;
  readonly registry: Registry;
  readonly mesh: MeshModel;
  readonly provider: MeshResourceProvider;
  readonly xds: XdsServer;
  readonly remoteSecrets: RemoteSecretController;
  readonly meshNetworks: MeshNetworksSources<MeshNetworks>;
  clusterStatuses(): ClusterStatusView[];
  readiness(): Readiness;
}
