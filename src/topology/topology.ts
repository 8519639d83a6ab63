// One pure function that turns everything Horizon knows about networks into the snapshot the rest of
// the server reads: gateways per network, the meshNetworks in effect, a compiled network lookup for
// endpoints, the hostnames the DNS resolver must keep resolved, and problems for the debug API.
import type { ClusterId, Gateway, NetworkId } from '../model/types.js';
import { collectGateways } from './gateways.js';
import type { MeshNetworksIssue, MeshNetworksResult } from './mesh-networks.js';
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
   * meshNetworks as parsed (a failed parse keeps `previousMeshNetworks` in effect and reports why),
   * or already-validated meshNetworks, or undefined when none is configured.
   */
  meshNetworks?: MeshNetworksResult | MeshNetworks;
  /** The meshNetworks in effect before this change; kept when the new text does not parse. */
  previousMeshNetworks?: MeshNetworks;
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
  /** The meshNetworks in effect (the new one, the kept previous one, or empty). */
  meshNetworks: MeshNetworks;
  /** The network of an endpoint, compiled from meshNetworks and the system namespace labels. */
  networks: NetworkLookup;
  /** Hostnames gateways need resolved (feed to the DNS resolver), and those without an answer yet. */
  hostnames: readonly string[];
  unresolvedHostnames: readonly string[];
  problems: readonly TopologyProblem[];
}

function isParseResult(value: MeshNetworksResult | MeshNetworks): value is MeshNetworksResult {
  return 'ok' in value;
}

function issueProblem(severity: TopologyProblem['severity'], issue: MeshNetworksIssue): TopologyProblem {
  return { severity, subject: 'meshNetworks', message: issue.message };
}

export function buildTopology(inputs: TopologyInputs): TopologySnapshot {
  const problems: TopologyProblem[] = [];
  let meshNetworks: MeshNetworks = emptyMeshNetworks;
  const given = inputs.meshNetworks;
  if (given !== undefined && isParseResult(given)) {
    problems.push(...given.warnings.map((w) => issueProblem('warning', w)));
    if (given.ok) {
      meshNetworks = given.value;
    } else {
      problems.push(...given.errors.map((e) => issueProblem('error', e)));
      meshNetworks = inputs.previousMeshNetworks ?? emptyMeshNetworks;
      problems.push({
        severity: 'error',
        subject: 'meshNetworks',
        message: inputs.previousMeshNetworks
          ? 'meshNetworks rejected; the previous meshNetworks stays in effect'
          : 'meshNetworks rejected; no meshNetworks in effect',
      });
    }
  } else if (given !== undefined) {
    meshNetworks = given;
  }

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
