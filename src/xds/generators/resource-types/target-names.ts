// Listener and route names are `<host>:<port>` as a client's xds:/// target spells the host: a
// one-label host means a service in the caller's namespace, every other spelling one service. For the
// subscription index (the same for every client) a one-label name is filed under the label itself, and a
// change of <label>.<namespace>.svc.<domain> is pushed to that label too: its subscribers in other
// namespaces recompute and find their bytes unchanged.
import type { Hostname } from '../../../model/types.js';
import type { XdsNode } from '../../xds-node.js';
import { qualifyTargetHost, splitHostPort } from '../names.js';
import type { NameTarget } from './resource-type.js';
import { clientKind, type MeshView } from './resource-type.js';

/** The service and port a `<host>:<port>` name means for the caller. */
export interface HostPort extends NameTarget {
  port: number;
}

export function targetIndexHost(name: string, view: MeshView): string | undefined {
  const hp = splitHostPort(name);
  if (!hp) return undefined;
  return hp.host.includes('.') ? qualifyTargetHost(hp.host, view.mesh.domain, '') : hp.host;
}

export function targetChangedHosts(host: Hostname, view: MeshView): string[] {
  const suffix = `.svc.${view.mesh.domain}`;
  const dot = host.indexOf('.');
  return host.endsWith(suffix) && dot > 0 ? [host, host.slice(0, dot)] : [host];
}

export function parseTarget(name: string, node: XdsNode, view: MeshView): HostPort | undefined {
  const hp = splitHostPort(name);
  const host = hp && qualifyTargetHost(hp.host, view.mesh.domain, node.namespace);
  return host ? { host, port: hp!.port } : undefined;
}

/** Callers share bytes unless the name is one label (then it depends on their namespace); and by client kind. */
export function targetVariantOf(name: string, node: XdsNode): string {
  const colon = name.lastIndexOf(':');
  const dot = name.indexOf('.');
  const oneLabel = dot < 0 || dot > colon;
  return `${oneLabel ? node.namespace : ''}|${clientKind(node)}`;
}
