// Horizon's emulated Kubernetes clusters: in-memory API servers built from folders of manifests that
// kubectl and @kubernetes/client-node talk to unchanged. The public face of src/emulator/.
export { loadClusterFolder, findClusterFolders, parseManifests, validateClusterDefinition, ClusterDefinitionError, clusterFileName } from './cluster-definition.js';
export type { ClusterDefinition, NodeDefinition, ManifestObject } from './cluster-definition.js';
export { EmulatedCluster } from './emulated-cluster.js';
export type { EmulatedClusterOptions, KubeconfigOptions, ListQuery, ClusterFaults } from './emulated-cluster.js';
export { EmulatedClusterSet, startEmulatedCluster, startEmulatedClusters, startClusterDefinitions } from './cluster-set.js';
export { ApiError } from './api-error.js';
export type { KubeStatus } from './api-error.js';
export type { KObject, ObjectMeta, OwnerReference } from './k8s-object.js';
export type { PatchType, DeleteOptions } from './cluster-state.js';
export { createSelfSignedCert } from './self-signed-cert.js';
export type { SelfSignedCert } from './self-signed-cert.js';
export { maxEndpointsPerSlice, managedByLabel } from './endpointslice-controller.js';
export { SERVICE_ACCOUNT_TOKEN_TYPE, SERVICE_ACCOUNT_NAME_ANNOTATION } from './serviceaccount-token-controller.js';
export { serviceAccountIdentity } from './rbac-authorizer.js';
export type { Identity } from './rbac-authorizer.js';
