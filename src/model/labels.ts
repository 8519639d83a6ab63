// Well-known label and annotation keys, in one place.
export const NETWORK_LABEL = 'topology.istio.io/network';
export const GATEWAY_PORT_LABEL = 'networking.istio.io/gatewayPort';
export const REGION_LABEL = 'topology.kubernetes.io/region';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
export const SUBZONE_LABEL = 'topology.istio.io/subzone';
/** The cluster ID an endpoint (or caller) is in, as failoverPriority names it. */
export const CLUSTER_LABEL = 'topology.istio.io/cluster';
/** The node an endpoint (or caller) runs on, as failoverPriority names it. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** Pod label overriding the node's locality: `region.zone.subzone` (label values cannot hold '/'). */
export const ISTIO_LOCALITY_LABEL = 'istio-locality';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MULTICLUSTER_SECRET_LABEL = 'istio/multiCluster';
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';
/** Annotation on a NodePort gateway Service restricting the nodes used (JSON map of node labels). */
export const NODE_SELECTOR_ANNOTATION = 'traffic.istio.io/nodeSelector';
