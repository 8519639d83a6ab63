// What kwokctl is told for one cluster definition (pure): the local binaries, every component on
// 127.0.0.1 (kwokctl's default is 0.0.0.0), RBAC on, and the definition's service and pod ranges on
// the components that allocate them. kwokctl makes the PKI and the components' flags from it.
import { stringify } from 'yaml';
import type { ClusterDefinition } from '../emulator/cluster-definition.js';
import { parseCidr, type Cidr } from '../emulator/ip-pool.js';

/** The pod range a real API server accepts (it refuses loopback EndpointSlice addresses). */
export function realPodCIDR(def: Pick<ClusterDefinition, 'clusterID' | 'podCIDR' | 'routablePodCIDR'>): string {
  if (def.routablePodCIDR) return def.routablePodCIDR;
  const c = parseCidr(def.podCIDR) as Cidr;
  if (c.base >>> 24 === 127) {
    throw new Error(`cluster ${def.clusterID}: podCIDR ${def.podCIDR} is a loopback range, which a real kube-apiserver refuses in EndpointSlices; set routablePodCIDR in its cluster.yaml`);
  }
  return def.podCIDR;
}

/**
 * The per-node mask for kube-controller-manager's node IPAM: the pod range split into at least twice
 * as many blocks as there are nodes (room for nodes added later), but never smaller than a /28.
 */
export function nodeCidrMaskSize(podCIDR: string, nodes: number): number {
  const c = parseCidr(podCIDR) as Cidr;
  const bits = Math.ceil(Math.log2(Math.max(1, nodes) * 2));
  return Math.min(c.prefix + bits, 28);
}

/** The ports of one cluster's components, chosen by Horizon so that clusters started side by side never race for the same one. */
export interface KwokctlPorts {
  etcd: number;
  etcdPeer: number;
  kubeApiserver: number;
  kubeControllerManager: number;
  kubeScheduler: number;
  kwokController: number;
}

export interface KwokctlBinaries {
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwokController: string;
}

const args = (pairs: Record<string, string>) => Object.entries(pairs).map(([key, value]) => ({ key, value }));

export function kwokctlConfigYaml(def: ClusterDefinition, bin: KwokctlBinaries, ports: KwokctlPorts): string {
  const podCIDR = realPodCIDR(def);
  return stringify({
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    options: {
      runtime: 'binary',
      bindAddress: '127.0.0.1',
      kubeAuthorization: true,
      etcdBinary: bin.etcd,
      kubeApiserverBinary: bin.kubeApiserver,
      kubeControllerManagerBinary: bin.kubeControllerManager,
      kubeSchedulerBinary: bin.kubeScheduler,
      kwokControllerBinary: bin.kwokController,
      etcdPort: ports.etcd,
      etcdPeerPort: ports.etcdPeer,
      kubeApiserverPort: ports.kubeApiserver,
      kubeControllerManagerPort: ports.kubeControllerManager,
      kubeSchedulerPort: ports.kubeScheduler,
      kwokControllerPort: ports.kwokController,
    },
    componentsPatches: [
      { name: 'kube-apiserver', extraArgs: args({ 'service-cluster-ip-range': def.serviceCIDR }) },
      {
        name: 'kube-controller-manager',
        extraArgs: args({
          'allocate-node-cidrs': 'true',
          'cluster-cidr': podCIDR,
          'service-cluster-ip-range': def.serviceCIDR,
          'node-cidr-mask-size': String(nodeCidrMaskSize(podCIDR, def.nodes.length)),
        }),
      },
    ],
  });
}
