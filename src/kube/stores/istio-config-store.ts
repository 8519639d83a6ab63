// A cluster's DestinationRules and VirtualServices, converted; an invalid one is refused (kept out, its
// error listed for /debug) and the hosts it named are marked changed either way.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../../log.js';
import type { DestinationRule, VirtualService } from '../../model/istio-config.js';
import type { ClusterId, Hostname } from '../../model/types.js';
import type { ChangeBatch } from '../change-batch.js';
import { type IstioObject, toDestinationRule, toVirtualService } from '../convert-istio.js';
import { nsName } from './keys.js';

export type IstioKind = 'DestinationRule' | 'VirtualService';

export interface ConfigError {
  kind: IstioKind;
  namespace: string;
  name: string;
  error: string;
}

export class IstioConfigStore {
  private readonly destinationRules = new Map<string, DestinationRule>();
  private readonly virtualServices = new Map<string, VirtualService>();
  private readonly errors = new Map<string, ConfigError>();

  constructor(
    private readonly cluster: ClusterId,
    private readonly domain: string,
    private readonly batch: ChangeBatch,
    private readonly log: Logger,
  ) {}

  allDestinationRules(): IterableIterator<DestinationRule> {
    return this.destinationRules.values();
  }

  allVirtualServices(): IterableIterator<VirtualService> {
    return this.virtualServices.values();
  }

  configErrors(): ConfigError[] {
    return [...this.errors.values()];
  }

  upsert(kind: IstioKind, obj: IstioObject & KubernetesObject): void {
    this.apply(kind, obj, false);
  }

  remove(kind: IstioKind, obj: IstioObject & KubernetesObject): void {
    this.apply(kind, obj, true);
  }

  private apply(kind: IstioKind, obj: IstioObject & KubernetesObject, gone: boolean): void {
    const key = nsName(obj);
    const errKey = `${kind}/${key}`;
    const table: Map<string, DestinationRule | VirtualService> = kind === 'DestinationRule' ? this.destinationRules : this.virtualServices;
    const before = table.get(key);
    if (before) for (const h of hostsOf(before)) this.batch.configHosts.add(h);
    this.errors.delete(errKey);
    if (gone) {
      table.delete(key);
    } else {
      const converted = kind === 'DestinationRule' ? toDestinationRule(obj, this.cluster, this.domain) : toVirtualService(obj, this.cluster, this.domain);
      if (converted.ok) {
        table.set(key, converted.value);
        for (const h of hostsOf(converted.value)) this.batch.configHosts.add(h);
      } else {
        table.delete(key);
        const [namespace = '', name = ''] = key.split('/');
        this.errors.set(errKey, { kind, namespace, name, error: converted.error });
        this.log.warn({ error: converted.error }, 'invalid Istio config refused');
      }
    }
    this.batch.schedule();
  }
}

function hostsOf(c: DestinationRule | VirtualService): readonly Hostname[] {
  return 'host' in c ? [c.host] : c.hosts;
}
