// One pure function that turns everything Horizon knows about networks into the snapshot the rest of
// the server reads: gateways per network, the meshNetworks in effect, a compiled network lookup for
// endpoints, the hostnames the DNS resolver must keep resolved, and problems for the debug API.
import type { ClusterId, Gateway, NetworkId } from '../model/types.js';
import { collectGateways } from './gateways.js';
import { NetworkLookup } from './network-of.js';
import {
  emptyMeshNetworks,
  type ClusterNode,
  type ClusterService,
  type HostnameLookup,
  type MeshNetworks,
  type TopologyProblem,
} from './types.js';

export interface TopologyInputs {
  /**
   * The validated meshNetworks in effect, or undefined when none is configured. A source that fails to
   * parse keeps its last good value itself (meshconfig/mesh-networks-sources.ts).
   */
  meshNetworks?: MeshNetworks;
  /** Problems of the meshNetworks sources (parse errors, warnings), reported first. */
  meshNetworksProblems?: readonly TopologyProblem[];
  /** Per cluster, the topology.istio.io/network label of its system namespace. */
  systemNamespaceNetworks?: ReadonlyMap<ClusterId, NetworkId>;
  services: Iterable<ClusterService>;
  nodes: Iterable<ClusterNode>;
  lookupHostname: HostnameLookup;
  domainSuffix?: string;
}

export interface TopologySnapshot {
  /** Gateways of every network that has one, each list sorted; a network without gateways is absent. */
  gateways: ReadonlyMap<NetworkId, readonly Gateway[]>;
  /** The same gateways in one sorted list (debug output: /debug/networkz). */
  allGateways: readonly Gateway[];
  /** The meshNetworks in effect (empty when none is configured). */
  meshNetworks: MeshNetworks;
  /** The network of an endpoint, compiled from meshNetworks and the system namespace labels. */
  networks: NetworkLookup;
  /** Hostnames gateways need resolved (feed to the DNS resolver), and those without an answer yet. */
  hostnames: readonly string[];
  unresolvedHostnames: readonly string[];
  problems: readonly TopologyProblem[];
}

export function buildTopology(inputs: TopologyInputs): TopologySnapshot {
  const problems: TopologyProblem[] = [...(inputs.meshNetworksProblems ?? [])];
  const meshNetworks = inputs.meshNetworks ?? emptyMeshNetworks;

  const collected = collectGateways({
    services: inputs.services,
    nodes: inputs.nodes,
    meshNetworks,
    lookupHostname: inputs.lookupHostname,
    ...(inputs.domainSuffix !== undefined ? { domainSuffix: inputs.domainSuffix } : {}),
  });
  problems.push(...collected.problems);

  return {
    gateways: collected.byNetwork,
    allGateways: collected.gateways,
    meshNetworks,
    networks: new NetworkLookup(meshNetworks, inputs.systemNamespaceNetworks ?? new Map()),
    hostnames: collected.hostnames,
    unresolvedHostnames: collected.unresolved,
    problems,
  };
}
