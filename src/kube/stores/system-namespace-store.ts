// The network of the cluster's system namespace (its topology.istio.io/network label): the network of
// every endpoint that says nothing more specific.
import type { V1Namespace } from '@kubernetes/client-node';
import { NETWORK_LABEL } from '../../model/labels.js';
import type { ChangeBatch } from '../change-batch.js';

export class SystemNamespaceStore {
  private _network = '';

  constructor(
    private readonly systemNamespace: string,
    private readonly batch: ChangeBatch,
  ) {}

  get network(): string {
    return this._network;
  }

  upsert(ns: V1Namespace): void {
    this.set(ns, false);
  }

  remove(ns: V1Namespace): void {
    this.set(ns, true);
  }

  private set(ns: V1Namespace, gone: boolean): void {
    if (ns.metadata?.name !== this.systemNamespace) return;
    const network = gone ? '' : (ns.metadata?.labels?.[NETWORK_LABEL] ?? '');
    if (network === this._network) return;
    this._network = network;
    this.batch.topology = true;
    this.batch.schedule();
  }
}
