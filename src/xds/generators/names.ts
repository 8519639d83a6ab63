// How Horizon names xDS resources, and how it reads the names clients ask for.
//   Cluster / ClusterLoadAssignment: outbound|<port>|<subset>|<fqdn>   (istiod's names)
//   Listener (proxyless gRPC):        <host>:<port> as the client's xds:/// target spells it
//   RouteConfiguration:               <fqdn>:<port>
import { qualifyHost } from '../../kube/convert.js';
import type { Hostname } from '../../model/types.js';

export interface ClusterKey {
  port: number;
  subset: string;
  host: Hostname;
}

export function clusterName(port: number, subset: string, host: Hostname): string {
  return `outbound|${port}|${subset}|${host}`;
}

export function parseClusterName(name: string): ClusterKey | undefined {
  const parts = name.split('|');
  if (parts.length !== 4 || parts[0] !== 'outbound') return undefined;
  const port = Number(parts[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || parts[3] === '') return undefined;
  return { port, subset: parts[2]!, host: parts[3]! };
}

export function routeConfigName(host: Hostname, port: number): string {
  return `${host}:${port}`;
}

/** `<host>:<port>` -> parts (the host as written); undefined when there is no usable port. */
export function splitHostPort(name: string): { host: string; port: number } | undefined {
  const at = name.lastIndexOf(':');
  if (at <= 0) return undefined;
  const port = Number(name.slice(at + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host: name.slice(0, at).toLowerCase(), port };
}

/** The service a client's target host means, from the caller's namespace (see kube/convert.ts qualifyHost). */
export function qualifyTargetHost(host: string, domain: string, callerNamespace: string): Hostname | undefined {
  return qualifyHost(host, callerNamespace, domain);
}

/** Every way a client may spell this service in its target, for virtual host domains. */
export function hostAliases(fqdn: Hostname, port: number, domain: string): string[] {
  const suffix = `.svc.${domain}`;
  const names = [fqdn];
  if (fqdn.endsWith(suffix)) {
    const short = fqdn.slice(0, -suffix.length); // name.ns
    names.push(`${short}.svc`, short, short.split('.')[0]!);
  }
  return names.flatMap((n) => [n, `${n}:${port}`]);
}
