// meshNetworks as Horizon keeps it once parsed: istiod's MeshNetworks, networks in document order.
import type { ClusterId, NetworkId } from '../model/types.js';

/** One `endpoints` entry of a meshNetworks network: exactly one of the two. */
export type MeshNetworkEndpoints = { fromRegistry: ClusterId } | { fromCidr: string };

/** One `gateways` entry of a meshNetworks network: an address or a registry service, and a port. */
export type MeshNetworkGateway =
  | { address: string; port: number; locality?: string }
  | { registryServiceName: string; port: number; locality?: string };

export interface MeshNetwork {
  name: NetworkId;
  endpoints: readonly MeshNetworkEndpoints[];
  gateways: readonly MeshNetworkGateway[];
}

/** meshNetworks, networks in document order (fromCidr and fromRegistry: first match wins). */
export interface MeshNetworks {
  networks: readonly MeshNetwork[];
}

export const emptyMeshNetworks: MeshNetworks = Object.freeze({ networks: Object.freeze([]) as readonly MeshNetwork[] });
