// Listener and route names are `<host>:<port>` as a client's xds:/// target spells the host: a
// one-label host means a service in the caller's namespace, every other spelling one service.
import type { Hostname } from '../../../model/types.js';
import type { XdsNode } from '../../xds-node.js';
import { qualifyTargetHost, splitHostPort } from '../names.js';
import { clientKind, type MeshView } from './resource-type.js';

/** The service and port a `<host>:<port>` name means for the caller. */
export interface HostPort {
  host: Hostname;
  port: number;
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
