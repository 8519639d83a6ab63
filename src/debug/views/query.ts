// Reading query parameters the same way in every endpoint: bad values are 400s that say what was expected.
import type { Hostname, Locality } from '../../model/types.js';
import { quoteInput } from '../../util/quote.js';
import { qualifyTargetHost } from '../../xds/generators/names.js';
import { DEBUG_BOUNDS } from '../bounds.js';
import { badRequest, notFound } from '../http-error.js';
import type { DebugMesh } from '../source.js';

/** A caller's own text as an error message repeats it: escaped, a short prefix. */
export const echo = (text: string): string => quoteInput(text, DEBUG_BOUNDS.echoChars);

/** A comma-separated parameter as a list (empty items dropped); undefined when absent. */
export function listParam(params: URLSearchParams, name: string): string[] | undefined {
  if (!params.has(name)) return undefined;
  return params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function portParam(params: URLSearchParams, name = 'port'): number | undefined {
  const text = params.get(name);
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw badRequest(`${name}=${echo(text)} is not a port (1-65535)`);
  return n;
}

/**
 * A service as a user writes it: the full hostname, `name.namespace`, or `name.namespace.svc`, optionally
 * with `:port`. 400 when it cannot name one service, 404 when no cluster has it.
 */
export function resolveHost(mesh: DebugMesh, text: string): { host: Hostname; port?: number } {
  let hostText = text.trim().toLowerCase();
  let port: number | undefined;
  const m = /^(.*):(\d+)$/.exec(hostText);
  if (m) {
    hostText = m[1]!;
    port = Number(m[2]);
    if (port < 1 || port > 65535) throw badRequest(`${echo(text)} does not end in a port (1-65535)`);
  }
  if (hostText === '') throw badRequest('host is empty: give a service as name.namespace (e.g. helloworld.sample) or its full hostname');
  const host = qualifyTargetHost(hostText, mesh.domain, '');
  if (!host) {
    throw badRequest(`host ${echo(hostText)} has no namespace: write name.namespace (e.g. ${hostText.length <= 40 ? hostText : 'name'}.default) or the full hostname`);
  }
  const known = mesh.hostnames();
  if (!known.includes(host)) {
    const name = host.split('.')[0]!;
    const similar = known.filter((h) => h.split('.')[0] === name).slice(0, 10);
    throw notFound(
      `no service ${host.length > DEBUG_BOUNDS.echoChars ? echo(host) : host} in any cluster${similar.length > 0 ? ` (did you mean ${similar.join(', ')}?)` : ''}`,
      similar.length > 0 ? { similar } : {},
    );
  }
  return port !== undefined ? { host, port } : { host };
}

/** `region/zone/subzone` as istioctl prints it, trailing empty parts dropped. */
export function localityLabel(l: Locality): string {
  const parts = [l.region, l.zone, l.subzone];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('/');
}
