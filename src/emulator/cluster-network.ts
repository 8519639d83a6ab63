// The address space of one emulated cluster: pod IPs, service cluster IPs, load-balancer IPs and node
// ports, each handed out once and returned when the object that held it is gone.
import { IpPool, PortPool, type Cidr } from './ip-pool.js';

export class ClusterNetwork {
  readonly podIps: IpPool;
  readonly serviceIps: IpPool;
  readonly loadBalancerIps: IpPool;
  readonly nodePorts = new PortPool();
  private nodeCursor = 0;

  constructor(podCidr: Cidr, serviceCidr: Cidr, loadBalancerPool: Cidr) {
    this.podIps = new IpPool(podCidr);
    this.serviceIps = new IpPool(serviceCidr);
    this.loadBalancerIps = new IpPool(loadBalancerPool);
  }

  /** Round robin over the given node names (sorted by the caller for determinism). */
  pickNode(nodes: readonly string[]): string | undefined {
    if (nodes.length === 0) return undefined;
    const n = nodes[this.nodeCursor % nodes.length];
    this.nodeCursor++;
    return n;
  }
}
