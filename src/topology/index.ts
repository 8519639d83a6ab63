// The public face of topology/: networks of endpoints and gateways of networks (pure: no I/O, no timers).
export * from './types.js';
export { NetworkLookup, type NetworkDecision, type NetworkOfInput, type NetworkSource } from './network-of.js';
export { collectGateways, nodeAddress, type GatewayCollection, type GatewayInputs } from './gateways.js';
export { buildTopology, type TopologyInputs, type TopologySnapshot } from './topology.js';
