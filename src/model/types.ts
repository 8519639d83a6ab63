// Horizon's own small types: what leaves kube/ and travels through registry/, topology/, eds/ and xds/.
// Nothing here knows about Kubernetes client objects or protobuf.

/** A cluster's ID: the kubeconfig context name, or the data key of a remote-cluster Secret. */
export type ClusterId = string;

/** A network name as meshNetworks and `topology.istio.io/network` use it. '' means "not known". */
export type NetworkId = string;

/** Service hostname, `<name>.<namespace>.svc.<domain>`. */
export type Hostname = string;

export interface Locality {
  region: string;
  zone: string;
  subzone: string;
}

/**
 * EndpointSlice conditions folded the way istiod folds them: ready (nil or true) is healthy;
 * not ready is unhealthy; terminating wins over both and is never sent.
 */
export type EndpointHealth = 'healthy' | 'unhealthy' | 'terminating';

/** Istio's protocol of a service port, from the port name prefix or appProtocol. */
export type Protocol =
  | 'GRPC'
  | 'GRPC-Web'
  | 'HTTP'
  | 'HTTP2'
  | 'HTTPS'
  | 'TCP'
  | 'TLS'
  | 'UDP'
  | 'Mongo'
  | 'Redis'
  | 'MySQL'
  | 'Unsupported';

export interface ServicePort {
  /** Port name ('' for an unnamed single port). EndpointSlice ports are matched by this name. */
  name: string;
  port: number;
  targetPort?: number | string;
  /** Allocated for NodePort and LoadBalancer services. */
  nodePort?: number;
  protocol: Protocol;
}

/** One network endpoint of a service in one cluster (a pod, usually). */
export interface Endpoint {
  address: string;
  /** Endpoint port per service port name, as the EndpointSlice lists them. */
  ports: Readonly<Record<string, number>>;
  cluster: ClusterId;
  network: NetworkId;
  locality: Locality;
  health: EndpointHealth;
  namespace: string;
  podName?: string;
  nodeName?: string;
  /** The pod's labels (what DestinationRule subsets select on). */
  labels: Readonly<Record<string, string>>;
}

/** Where a gateway was learned from, for debug output. */
export type GatewaySource = 'service' | 'meshNetworks' | 'meshNetworks-registryServiceName';

/** An east-west gateway of a network: the address foreign callers use to reach it. */
export interface Gateway {
  network: NetworkId;
  /** An IP literal: hostname gateways are resolved before they get here. */
  address: string;
  port: number;
  /** The cluster whose Service declared it ('' when it came from a plain meshNetworks address). */
  cluster: ClusterId;
  source: GatewaySource;
  /** Free text for debug output, e.g. `istio-system/istio-eastwestgateway` or `meshNetworks network2`. */
  origin: string;
  /** Set when the address came from resolving this hostname. */
  hostname?: string;
}

/** What a caller can see: its own network, and optionally the only networks it asked to see. */
export interface NetworkView {
  network: NetworkId;
  /** From node metadata REQUESTED_NETWORK_VIEW; undefined or empty means every network. */
  requestedNetworks?: readonly NetworkId[];
}

export const emptyLocality: Locality = Object.freeze({ region: '', zone: '', subzone: '' });

/** A service as one cluster declares it. */
export interface ServiceInfo {
  hostname: Hostname;
  name: string;
  namespace: string;
  cluster: ClusterId;
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  ports: readonly ServicePort[];
  clusterIPs: readonly string[];
  /** `spec.externalIPs`. */
  externalIPs: readonly string[];
  /** `status.loadBalancer.ingress`: where a LoadBalancer service is reachable from outside. */
  loadBalancerIngress: readonly { ip?: string; hostname?: string }[];
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

/**
 * An endpoint as its cluster reports it, before the topology decides its network (which depends on
 * the pod's labels, its cluster's system namespace and meshNetworks).
 */
export type EndpointRecord = Omit<Endpoint, 'network'>;

/** A Kubernetes node, as far as locality and NodePort gateways care. `addresses[].type` is InternalIP, ExternalIP, Hostname... */
export interface ClusterNode {
  name: string;
  cluster: ClusterId;
  labels: Readonly<Record<string, string>>;
  addresses: readonly { type: string; address: string }[];
}
