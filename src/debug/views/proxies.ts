// Finding a connected proxy by `proxyID`, as istiod does: a substring of the node ID (or of Horizon's
// connection ID). Several proxies matching is an error naming them, unless one matches exactly; a proxy
// with several streams (reconnects) is represented by its newest one.
import type { ConnectionSnapshot } from '../../xds/server/snapshot.js';
import { quoteInput } from '../../util/quote.js';
import { DEBUG_BOUNDS, shownId } from '../bounds.js';
import { badRequest, notFound } from '../http-error.js';
import type { DebugXds } from '../source.js';

/** Streams that have sent a node (the others cannot be asked about anything yet). */
export function connectedProxies(xds: DebugXds): ConnectionSnapshot[] {
  return xds
    .connections()
    .filter((c) => c.node !== undefined)
    .sort((a, b) => (a.connectedAt < b.connectedAt ? -1 : a.connectedAt > b.connectedAt ? 1 : a.id.localeCompare(b.id)));
}

export function requireProxyId(params: URLSearchParams): string {
  const proxyID = params.get('proxyID');
  if (proxyID === null || proxyID.trim() === '') {
    throw badRequest('proxyID is required: pass ?proxyID=<node ID or part of it> (see /debug/adsz for the connected proxies)');
  }
  return proxyID.trim();
}

export function findProxy(xds: DebugXds, proxyID: string): ConnectionSnapshot {
  const all = connectedProxies(xds);
  const exact = all.filter((c) => c.node!.id === proxyID || c.id === proxyID);
  const matches = exact.length > 0 ? exact : all.filter((c) => c.node!.id.includes(proxyID) || c.id.includes(proxyID));
  const quoted = quoteInput(proxyID, DEBUG_BOUNDS.echoChars);
  if (matches.length === 0) {
    throw notFound(`no connected proxy matches proxyID ${quoted} (${all.length} connected; see /debug/adsz). It may be connected to another Horizon.`);
  }
  const ids = [...new Set(matches.map((c) => c.node!.id))];
  if (ids.length > 1) {
    const listed = ids.slice(0, 20).map(shownId);
    throw badRequest(`proxyID ${quoted} matches ${ids.length} proxies: ${listed.join(', ')}${ids.length > 20 ? ', ...' : ''}; give more of the ID`, {
      matches: ids.slice(0, DEBUG_BOUNDS.listItems).map(shownId),
      ...(ids.length > DEBUG_BOUNDS.listItems ? { matchCount: ids.length } : {}),
    });
  }
  return matches[matches.length - 1]!;
}
