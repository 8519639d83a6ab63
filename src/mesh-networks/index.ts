// The public face of mesh-networks/: istiod's meshNetworks document, parsed and bounded (document.ts),
// kept per source with its last good value (sources.ts: file and ConfigMap), and merged (merge.ts).
export * from './types.js';
export { parseMeshNetworks, type MeshNetworksIssue, type MeshNetworksResult, type ParseMeshNetworksOptions } from './document.js';
export { parseMeshNetworksSource } from './source-parse.js';
export { MeshNetworksSources, type MeshNetworksSourcesOptions, type ParseResult, type SourceState } from './sources.js';
export { mergeMeshNetworks } from './merge.js';
