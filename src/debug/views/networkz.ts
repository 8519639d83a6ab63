// /debug/networkz: every network's east-west gateways as Horizon resolved them, where each came from,
// and what is wrong with the topology inputs (bad meshNetworks, gateway Services without an address,
// hostnames not resolved yet).
import type { GatewaySource } from '../../model/types.js';
import type { TopologyProblem } from '../../topology/types.js';
import type { DebugMesh } from '../source.js';

export interface NetworkzGateway {
  network: string;
  cluster: string;
  address: string;
  port: number;
  source: GatewaySource;
  origin: string;
  hostname?: string;
}

export interface Networkz {
  gateways: NetworkzGateway[];
  problems: TopologyProblem[];
  unresolvedHostnames: string[];
}

export function networkz(mesh: DebugMesh): Networkz {
  const topology = mesh.topology();
  return {
    gateways: topology.gateways.map((g) => ({
      network: g.network,
      cluster: g.cluster,
      address: g.address,
      port: g.port,
      source: g.source,
      origin: g.origin,
      ...(g.hostname !== undefined ? { hostname: g.hostname } : {}),
    })),
    problems: topology.problems.map((p) => ({ severity: p.severity, subject: p.subject, message: p.message })),
    unresolvedHostnames: [...topology.unresolvedHostnames],
  };
}
