// The public face of topology/: networks of endpoints, gateways of networks, hostname resolution.
export * from './types.js';
export { parseMeshNetworks, type MeshNetworksIssue, type MeshNetworksResult, type ParseMeshNetworksOptions } from './mesh-networks.js';
export { NetworkLookup, type NetworkDecision, type NetworkOfInput, type NetworkSource } from './network-of.js';
export { collectGateways, nodeAddress, type GatewayCollection, type GatewayInputs } from './gateways.js';
export { buildTopology, type TopologyInputs, type TopologySnapshot } from './topology.js';
export {
  GatewayHostnameResolver,
  type HostnameChange,
  type HostnameResolverOptions,
  type HostnameStatus,
} from './dns-resolver.js';
