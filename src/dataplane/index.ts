// The demo data plane: helloworld backends standing in for pods, and east-west gateways that carry
// cross-network calls. The standalone process is main.ts.
export { startHelloworld, helloReply, greeterService, helloworldProtoFile } from './helloworld.js';
export type { HelloworldBackend, HelloworldOptions } from './helloworld.js';
export { HelloworldFleet, planFleet } from './helloworld-fleet.js';
export type { DesiredPod, FleetPlan, FleetSyncResult, HelloworldFleetOptions } from './helloworld-fleet.js';
export { startEastWestGateway } from './eastwest-gateway.js';
export type { EastWestGateway, EastWestGatewayOptions } from './eastwest-gateway.js';
export { createStaticResolver } from './endpoint-resolver.js';
export type { BackendAddress, EndpointResolver, ResolveEndpoints, StaticResolver } from './endpoint-resolver.js';
export type { CallCounters, GatewayStats } from './gateway-stats.js';
export { parseServiceAuthority, defaultDomain } from './service-authority.js';
export type { ServiceAuthority, AuthorityResult } from './service-authority.js';
export { loadServiceDefinition } from './grpc-service-definition.js';
export { parseDataplaneConfig } from './dataplane-config.js';
export type { DataplaneConfig, GatewayConfig } from './dataplane-config.js';
export { startDataplane } from './dataplane.js';
export type { Dataplane, DataplaneOptions, DataplaneReady, DataplaneStats } from './dataplane.js';
