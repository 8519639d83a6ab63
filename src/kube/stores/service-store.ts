// A cluster's Services as Horizon's ServiceInfo, by namespace/name and by hostname (the registry's
// lookups, without splitting and rejoining names). A change to a Service that carries the network
// label, or did, is a topology change: it may be a network's gateway.
import type { V1Service } from '@kubernetes/client-node';
import { NETWORK_LABEL } from '../../model/labels.js';
import type { ClusterId, Hostname, ServiceInfo } from '../../model/types.js';
import type { ChangeBatch } from '../change-batch.js';
import { hostnameOf, toServiceInfo } from '../convert.js';
import { nsName } from './keys.js';

export class ServiceStore {
  private readonly byKey = new Map<string, ServiceInfo>(); // ns/name
  private readonly byHost = new Map<Hostname, ServiceInfo>();

  constructor(
    private readonly cluster: ClusterId,
    private readonly domain: string,
    private readonly batch: ChangeBatch,
  ) {}

  all(): IterableIterator<ServiceInfo> {
    return this.byKey.values();
  }

  ofHost(hostname: Hostname): ServiceInfo | undefined {
    return this.byHost.get(hostname);
  }

  upsert(svc: V1Service): void {
    const key = nsName(svc);
    const info = toServiceInfo(svc, this.cluster, this.domain);
    const before = this.byKey.get(key);
    this.byKey.set(key, info);
    this.byHost.set(info.hostname, info);
    this.batch.services.add(info.hostname);
    if (info.labels[NETWORK_LABEL] !== undefined || before?.labels[NETWORK_LABEL] !== undefined) this.batch.topology = true;
    this.batch.schedule();
  }

  remove(svc: V1Service): void {
    const key = nsName(svc);
    const before = this.byKey.get(key);
    this.byKey.delete(key);
    const host = hostnameOf(svc.metadata?.name ?? '', svc.metadata?.namespace ?? '', this.domain);
    this.byHost.delete(host);
    this.batch.services.add(host);
    if (before?.labels[NETWORK_LABEL] !== undefined) this.batch.topology = true;
    this.batch.schedule();
  }
}
