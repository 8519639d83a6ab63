// The public face of eds/: the split-horizon decision for one ClusterLoadAssignment.
export * from './types.js';
export { splitHorizon } from './split-horizon.js';
export { assignmentEndpoints } from './assignment-endpoints.js';
export { MAX_TOTAL_WEIGHT } from './weights.js';
