// Horizon's emulated Kubernetes clusters: in-memory API servers built from folders of manifests that
// kubectl and @kubernetes/client-node talk to unchanged. The public face of src/emulator/: what code
// outside it uses (the rest is imported from its own module where needed).
export { loadClusterFolder, parseManifests, validateClusterDefinition } from './cluster-definition.js';
export type { ClusterDefinition } from './cluster-definition.js';
export { EmulatedCluster } from './emulated-cluster.js';
export type { EmulatedClusterOptions } from './emulated-cluster.js';
export { EmulatedClusterSet, startEmulatedCluster, startEmulatedClusters, startClusterDefinitions } from './cluster-set.js';
export type { KObject } from './k8s-object.js';
