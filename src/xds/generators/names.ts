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

const OUTBOUND = 'outbound|';

/** A cluster name's parts, or undefined when it is not one. Read with indexOf (no array): every subscribe and every cache miss parses. */
export function parseClusterName(name: string): ClusterKey | undefined {
  if (!name.startsWith(OUTBOUND)) return undefined;
  const portEnd = name.indexOf('|', OUTBOUND.length);
  const subsetEnd = portEnd < 0 ? -1 : name.indexOf('|', portEnd + 1);
  // exactly four parts: outbound|<port>|<subset>|<host>
  if (subsetEnd < 0 || name.indexOf('|', subsetEnd + 1) >= 0 || subsetEnd === name.length - 1) return undefined;
  const port = Number(name.slice(OUTBOUND.length, portEnd));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { port, subset: name.slice(portEnd + 1, subsetEnd), host: name.slice(subsetEnd + 1) };
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
