// What changed in a cluster since the last announcement. The stores mark what their events touched;
// the batch is flushed once per event-loop turn, so a list of 10k objects becomes one announcement
// naming what changed and consumers recompute only that.
import type { ClusterId, Hostname } from '../model/types.js';

/** What changed in one batch. */
export interface ClusterChanges {
  cluster: ClusterId;
  /** Services whose definition appeared, changed or went away. */
  services: ReadonlySet<Hostname>;
  /** Services whose endpoints changed. */
  endpoints: ReadonlySet<Hostname>;
  /** Hosts named by changed DestinationRules / VirtualServices. */
  configHosts: ReadonlySet<Hostname>;
  /** Something network-wide changed: system namespace network, nodes' addresses, gateway services. */
  topology: boolean;
}

export class ChangeBatch {
  services = new Set<Hostname>();
  endpoints = new Set<Hostname>();
  configHosts = new Set<Hostname>();
  topology = false;
  private scheduled = false;

  /** `flush` runs once after the current turn of the event loop, however many changes were marked. */
  constructor(private readonly flush: () => void) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** What was marked since the last take (and forgets it); undefined when nothing was. */
  take(cluster: ClusterId): ClusterChanges | undefined {
    if (this.services.size === 0 && this.endpoints.size === 0 && this.configHosts.size === 0 && !this.topology) return undefined;
    const changes: ClusterChanges = { cluster, services: this.services, endpoints: this.endpoints, configHosts: this.configHosts, topology: this.topology };
    this.services = new Set();
    this.endpoints = new Set();
    this.configHosts = new Set();
    this.topology = false;
    return changes;
  }
}
