// The public face of split-horizon/: the decision for one ClusterLoadAssignment, and the locality
// load balancing inputs it takes (policy per cluster, failover view per caller).
export * from './types.js';
export { splitHorizon } from './split-horizon.js';
export { assignmentEndpoints } from './assignment-endpoints.js';
export { MAX_TOTAL_WEIGHT } from './weights.js';
export { ISTIO_DEFAULT_MESH_LOCALITY_LB, LOCALITY_LB_OFF, resolveLocalityLb, type LocalityLbPolicy, type PriorityKey } from './locality-lb-policy.js';
export { callerLocality, failoverView, failoverViewKey, NO_FAILOVER_VIEW, type CallerFacts, type FailoverView } from './failover-view.js';
export type { PriorityReason } from './priority-rank.js';
