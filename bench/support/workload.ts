// The mesh the scenarios run on: N emulated clusters spread over M networks (one east-west gateway per
// network, in its first cluster), and S services with E endpoints each. Every service is declared in
// every cluster (a multi-cluster service, as Istio meshes have them); its endpoints are spread over the
// clusters round robin. Names are deterministic, so every process can work out the same layout.
import type { ClusterDefinition } from '../../src/emulator/cluster-definition.js';
import type { KObject } from '../../src/emulator/k8s-object.js';

export interface MeshLayout {
  clusters: number;
  networks: number;
  services: number;
  /** Endpoints of one service, over all clusters. */
  endpointsPerService: number;
  /** Services are spread over this many namespaces. */
  namespaces: number;
  /**
   * Pods carry the label sidecar injection adds (security.istio.io/tlsMode=istio): istiod sends a
   * remote network's endpoints (through its gateway) only for such pods. Set in peer runs.
   */
  istioPods?: boolean;
}

export const SERVICE_PORT = 80;
export const TARGET_PORT = 8080;
export const GATEWAY_PORT = 15443;

export const clusterId = (c: number): string => `cluster${c + 1}`;
export const networkOf = (layout: MeshLayout, c: number): string => `network${(c % layout.networks) + 1}`;
export const serviceName = (s: number): string => `svc-${s}`;
export const namespaceOf = (layout: MeshLayout, s: number): string => `bench-${s % layout.namespaces}`;
export const hostOf = (layout: MeshLayout, s: number): string => `${serviceName(s)}.${namespaceOf(layout, s)}.svc.cluster.local`;
export const edsName = (layout: MeshLayout, s: number): string => `outbound|${SERVICE_PORT}||${hostOf(layout, s)}`;
/** Which cluster endpoint `e` of service `s` lives in. */
export const clusterOfEndpoint = (layout: MeshLayout, s: number, e: number): number => (s + e) % layout.clusters;
export const podName = (s: number, e: number, generation = 0): string => (generation === 0 ? `svc-${s}-${e}` : `svc-${s}-${e}-g${generation}`);

export function clusterDefinition(layout: MeshLayout, c: number): ClusterDefinition {
  const n = c + 1;
  const network = networkOf(layout, c);
  return {
    clusterID: clusterId(c),
    network,
    // /14: room for 260k pod addresses per cluster, more than any scenario uses.
    podCIDR: `10.${4 * n}.0.0/14`,
    serviceCIDR: `172.${16 + n}.0.0/16`,
    loadBalancerPool: `192.168.${n}.0/24`,
    nodes: ['a', 'b', 'c'].map((z, i) => ({
      name: `${clusterId(c)}-node-${z}`,
      internalIP: `100.64.${n}.${i + 1}`,
      labels: { 'topology.kubernetes.io/region': `region-${network}`, 'topology.kubernetes.io/zone': `zone-${z}` },
    })),
    manifests: [],
  };
}

/** Namespaces, the system namespace (labelled with the network) and the gateway of the network's first cluster. */
export function baseObjects(layout: MeshLayout, c: number): KObject[] {
  const network = networkOf(layout, c);
  const out: KObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system', labels: { 'topology.istio.io/network': network } } },
  ];
  for (let i = 0; i < layout.namespaces; i++) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${i}` } });
  if (c < layout.networks) {
    out.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system', labels: { istio: 'eastwestgateway', 'topology.istio.io/network': network } },
      spec: { type: 'LoadBalancer', selector: { istio: 'eastwestgateway' }, ports: [{ name: 'tls', port: GATEWAY_PORT, targetPort: GATEWAY_PORT }] },
    });
  }
  return out;
}

export function serviceObject(layout: MeshLayout, s: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName(s), namespace: namespaceOf(layout, s), labels: { app: serviceName(s) } },
    spec: { selector: { app: serviceName(s) }, ports: [{ name: 'http', port: SERVICE_PORT, targetPort: TARGET_PORT }] },
  };
}

export function podObject(layout: MeshLayout, s: number, e: number, generation = 0): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(s, e, generation),
      namespace: namespaceOf(layout, s),
      labels: { app: serviceName(s), version: 'v1', ...(layout.istioPods ? { 'security.istio.io/tlsMode': 'istio' } : {}) },
    },
    spec: { containers: [{ name: 'app', image: 'bench/app:1', ports: [{ name: 'http', containerPort: TARGET_PORT }] }] },
  };
}

/** Every object of cluster `c`: base objects, every service, the pods of the endpoints placed here. */
export function* clusterObjects(layout: MeshLayout, c: number, services: { from: number; to: number } = { from: 0, to: layout.services }): Generator<KObject> {
  for (let s = services.from; s < services.to; s++) {
    yield serviceObject(layout, s);
    for (let e = 0; e < layout.endpointsPerService; e++) if (clusterOfEndpoint(layout, s, e) === c) yield podObject(layout, s, e);
  }
}


/**
 * Distinct addresses a caller on `network` must receive for service `s` once the server knows every
 * endpoint: its network's pods, plus one gateway for each other network holding endpoints of it (each
 * network has one gateway, in its first cluster). The same for Horizon and istiod, however often each
 * lists a gateway.
 */
export function expectedAddresses(layout: MeshLayout, s: number, network: string): number {
  let direct = 0;
  const remote = new Set<string>();
  for (let e = 0; e < layout.endpointsPerService; e++) {
    const n = networkOf(layout, clusterOfEndpoint(layout, s, e));
    if (n === network) direct++;
    else remote.add(n);
  }
  return direct + remote.size;
}
