// The public face of mesh-networks/: istiod's meshNetworks document, parsed and bounded (document.ts),
// kept per source with its last good value (sources.ts: file and ConfigMap; the ConfigMap's one watch in
// istio-config-map.ts also serves the mesh config), and merged (merge.ts).
export * from './types.js';
export { parseMeshNetworks, type MeshNetworksIssue, type MeshNetworksResult, type ParseMeshNetworksOptions } from './document.js';
export { parseMeshNetworksSource } from './source-parse.js';
export { MeshNetworksSources, type MeshNetworksSourcesOptions, type ParseResult, type SourceState } from './sources.js';
export { IstioConfigMap, type ConfigMapKey } from './istio-config-map.js';
export { mergeMeshNetworks } from './merge.js';
