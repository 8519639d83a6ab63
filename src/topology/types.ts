// Kubernetes-free inputs and outputs of the topology logic. The kube layer converts Services, Nodes
// and Namespaces into these; nothing here knows about client-node objects.
import type { ClusterId, ServiceInfo } from '../model/types.js';
export type { ClusterNode } from '../model/types.js';
export type { MeshNetwork, MeshNetworkEndpoints, MeshNetworkGateway, MeshNetworks } from '../mesh-networks/types.js';
export { emptyMeshNetworks } from '../mesh-networks/types.js';

export { NETWORK_LABEL, GATEWAY_PORT_LABEL, NODE_SELECTOR_ANNOTATION } from '../model/labels.js';
/** Port istiod assumes for a labelled gateway Service without the port label. */
export const DEFAULT_GATEWAY_PORT = 15443;

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface ClusterServicePort {
  name: string;
  port: number;
  /** Set for NodePort and LoadBalancer services (unless allocateLoadBalancerNodePorts is false). */
  nodePort?: number;
}

/** What the topology needs of a Service. */
export interface ClusterService {
  cluster: ClusterId;
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  annotations?: Readonly<Record<string, string>>;
  type: ServiceType;
  ports: readonly ClusterServicePort[];
  externalIPs: readonly string[];
  /** `status.loadBalancer.ingress`. */
  loadBalancerIngress: readonly { ip?: string; hostname?: string }[];
}


/** Something wrong with the topology inputs that a user can act on; never thrown, always reported. */
export interface TopologyProblem {
  severity: 'warning' | 'error';
  /** Where it came from, e.g. `service cluster2/istio-system/istio-eastwestgateway` or `meshNetworks`. */
  subject: string;
  message: string;
}

/**
 * Addresses a gateway hostname currently resolves to; undefined when it has not been resolved
 * (yet). Implemented by the DNS resolver; tests pass a map.
 */
export type HostnameLookup = (hostname: string) => readonly string[] | undefined;

// Horizon's registry types satisfy these shapes as they are; keep it so (checked at compile time).
const _serviceFits = (s: ServiceInfo): ClusterService => s;
void _serviceFits;
