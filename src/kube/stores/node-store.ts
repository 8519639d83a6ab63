// A cluster's Nodes. Their labels give endpoints their locality (so a label change dirties the
// services with endpoints on the node); their addresses can be gateway addresses (NodePort gateways),
// so an address change is a topology change.
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterId, ClusterNode } from '../../model/types.js';
import type { ChangeBatch } from '../change-batch.js';
import { toClusterNode } from '../convert.js';
import { sameRecord } from './keys.js';

export class NodeStore {
  private readonly nodes = new Map<string, ClusterNode>();

  constructor(
    private readonly cluster: ClusterId,
    private readonly batch: ChangeBatch,
    /** The node's labels changed (or it went): endpoints on it must be rebuilt. */
    private readonly labelsChanged: (nodeName: string) => void,
  ) {}

  get(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  all(): IterableIterator<ClusterNode> {
    return this.nodes.values();
  }

  upsert(node: V1Node): void {
    const info = toClusterNode(node, this.cluster);
    const before = this.nodes.get(info.name);
    this.nodes.set(info.name, info);
    if (!before || !sameRecord(before.labels, info.labels)) this.labelsChanged(info.name);
    if (!before || JSON.stringify(before.addresses) !== JSON.stringify(info.addresses)) this.batch.topology = true;
    this.batch.schedule();
  }

  remove(node: V1Node): void {
    const name = node.metadata?.name ?? '';
    this.nodes.delete(name);
    this.labelsChanged(name);
    this.batch.topology = true;
    this.batch.schedule();
  }
}
