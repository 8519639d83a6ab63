// The debug API's view of a running Horizon (part of the composition root, beside horizon.ts): the
// DebugSource that debug/ declares, built from the concrete parts, each exposed only through the small
// read-only functions debug/ asks for. Resources come from the provider's uncached entry points
// (generateUncached, explainAssignment, explainRoutes), never from resources(), its serving cache.
// onChange is horizon-debug-changes.ts: the parts' events, said as which views they make stale.
import type { ClusterStatus, DebugSource, Readiness } from './debug/source.js';
import type { DebugChanges } from './horizon-debug-changes.js';
import type { MeshModel } from './mesh/mesh-model.js';
import type { MeshNetworks } from './mesh-networks/types.js';
import type { MeshNetworksSources } from './mesh-networks/sources.js';
import type { MeshConfig } from './mesh-config/mesh-config.js';
import type { RemoteSecretController } from './multicluster/remote-secrets.js';
import type { Registry } from './registry/registry.js';
import type { MeshResourceProvider } from './xds/generators/mesh-resource-provider.js';
import type { XdsServer } from './xds/server/server.js';

export interface DebugSourceParts {
  registry: Registry;
  mesh: MeshModel;
  provider: MeshResourceProvider;
  xds: XdsServer;
  remoteSecrets: RemoteSecretController;
  meshNetworks: MeshNetworksSources<MeshNetworks>;
  meshConfig: MeshNetworksSources<MeshConfig>;
  clusterStatuses(): ClusterStatus[];
  readiness(): Readiness;
  changes: DebugChanges;
}

export function horizonDebugSource(parts: DebugSourceParts): DebugSource {
  const { registry, mesh, provider, xds, remoteSecrets, meshNetworks, meshConfig } = parts;
  return {
    mesh: {
      get domain() {
        return mesh.domain;
      },
      hostnames: () => mesh.hostnames(),
      serviceInstances: (host) => mesh.serviceInstances(host),
      endpoints: (host) => mesh.endpoints(host),
      networkOf: (cluster, address, labels) => mesh.networkOfEndpoint(cluster, address, labels),
      topology: () => {
        const t = mesh.topology;
        return { gateways: t.allGateways, problems: t.problems, unresolvedHostnames: t.unresolvedHostnames };
      },
      meshNetworks: () => {
        const effective = mesh.effectiveMeshNetworks();
        return { effective: effective.value, overridden: effective.overridden, sources: meshNetworks.sources() };
      },
      meshConfig: () => {
        const { value, from } = mesh.effectiveMeshConfig();
        return { localityLbSetting: value.localityLbSetting, from, sources: meshConfig.sources() };
      },
    },
    config: {
      destinationRules: () => mesh.destinationRules(),
      virtualServices: () => mesh.virtualServices(),
      destinationRuleChoice: (host) => provider.config.destinationRuleChoice(host),
      virtualServiceChoice: (host) => provider.config.virtualServiceChoice(host),
      routeProblems: (host, port) => provider.explainRoutes(host, port)?.problems ?? [],
      refused: () => registry.clusters().flatMap((c) => c.source.configErrors().map((e) => ({ cluster: c.id, ...e }))),
      localityLb: (host, port, subset) => provider.localityLb({ host, port, subset }),
    },
    resources: {
      clusterNames: () => provider.clusterNames(),
      explainAssignment: (name, view, caller) => provider.explainAssignment(name, view, caller),
      generateUncached: (typeUrl, node, names) => provider.generateUncached(typeUrl, node, names),
    },
    xds: {
      connections: () => xds.connections(),
      version: () => xds.version(),
    },
    clusters: {
      statuses: () => parts.clusterStatuses(),
      remoteSecrets: () => remoteSecrets.statuses(),
    },
    readiness: () => parts.readiness(),
    onChange: (listener) => parts.changes.subscribe(listener),
  };
}
