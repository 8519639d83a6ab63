// /debug/endpointz: every endpoint Horizon knows, shaped like istiod's endpoint shards:
// hostname -> namespace -> `Kubernetes/<clusterID>` -> endpoints, each with the network decided for it
// and the rule that decided it (pod label, system namespace label, fromRegistry, fromCidr).
import type { Endpoint } from '../../model/types.js';
import { splitHost } from '../../registry/registry.js';
import type { DebugMesh } from '../source.js';
import { localityLabel, resolveHost } from './query.js';

export interface EndpointzEntry {
  address: string;
  /** Endpoint port per service port name. */
  ports: Readonly<Record<string, number>>;
  labels: Readonly<Record<string, string>>;
  network: string;
  /** Why this network: pod-label, system-namespace, fromRegistry, fromCidr or unknown. */
  networkSource: string;
  locality: string;
  health: Endpoint['health'];
  pod?: string;
  node?: string;
}

export type Endpointz = Record<string, Record<string, Record<string, EndpointzEntry[]>>>;

export function endpointz(mesh: DebugMesh, params: URLSearchParams): Endpointz {
  const only = params.get('host');
  const hosts = only ? [resolveHost(mesh, only).host] : mesh.hostnames();
  const out: Endpointz = {};
  for (const host of hosts) {
    const namespace = splitHost(host, mesh.domain)?.namespace ?? '';
    const shards: Record<string, EndpointzEntry[]> = {};
    for (const ep of mesh.endpoints(host)) {
      const key = `Kubernetes/${ep.cluster}`;
      (shards[key] ??= []).push({
        address: ep.address,
        ports: ep.ports,
        labels: ep.labels,
        network: ep.network,
        networkSource: mesh.networkOf(ep.cluster, ep.address, ep.labels).source,
        locality: localityLabel(ep.locality),
        health: ep.health,
        ...(ep.podName !== undefined ? { pod: ep.podName } : {}),
        ...(ep.nodeName !== undefined ? { node: ep.nodeName } : {}),
      });
    }
    for (const list of Object.values(shards)) list.sort((a, b) => a.address.localeCompare(b.address));
    out[host] = { [namespace]: shards };
  }
  return out;
}
