// /debug/registryz: every service, merged across the clusters that declare it (istiod's registryz is
// per service too). Ports are the union by number; clusterIPs are per cluster since each cluster
// allocates its own.
import type { Protocol } from '../../model/types.js';
import type { DebugMesh } from '../source.js';
import { resolveHost } from './query.js';

export interface RegistryzService {
  hostname: string;
  namespace: string;
  name: string;
  ports: { name: string; port: number; protocol: Protocol; targetPort?: number | string }[];
  /** Clusters that declare the Service (endpoints may also come from others, see /debug/endpointz). */
  clusters: string[];
  clusterIPs: Record<string, readonly string[]>;
  /** Service type per cluster when they differ; otherwise the one type. */
  type: string;
}

export function registryz(mesh: DebugMesh, params: URLSearchParams): RegistryzService[] {
  const only = params.get('host');
  const hosts = only ? [resolveHost(mesh, only).host] : mesh.hostnames();
  const out: RegistryzService[] = [];
  for (const hostname of hosts) {
    const instances = mesh.serviceInstances(hostname);
    if (instances.length === 0) continue; // endpoints without a Service: only in endpointz
    const ports = new Map<number, RegistryzService['ports'][number]>();
    for (const svc of instances) {
      for (const p of svc.ports) {
        if (!ports.has(p.port)) ports.set(p.port, { name: p.name, port: p.port, protocol: p.protocol, ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}) });
      }
    }
    const types = [...new Set(instances.map((s) => s.type))];
    out.push({
      hostname,
      namespace: instances[0]!.namespace,
      name: instances[0]!.name,
      ports: [...ports.values()].sort((a, b) => a.port - b.port),
      clusters: instances.map((s) => s.cluster),
      clusterIPs: Object.fromEntries(instances.map((s) => [s.cluster, s.clusterIPs])),
      type: types.length === 1 ? types[0]! : instances.map((s) => `${s.cluster}:${s.type}`).join(','),
    });
  }
  return out;
}
