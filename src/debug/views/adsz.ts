// /debug/adsz and /debug/connections: the connected xDS streams (istiod's AdsClients shape:
// totalClients, clients[{connectionId, connectedAt, address, labels, metadata, watches}]), plus what
// Horizon adds: stream kind, proxyless or Envoy, network view. What a client decided (its IDs, metadata,
// labels, subscriptions) is shown within DEBUG_BOUNDS, with a marker wherever something was left out.
import type { XdsNode } from '../../xds/xds-node.js';
import { boundedList, boundedObject, DEBUG_BOUNDS, shownId, type Truncation } from '../bounds.js';
import type { DebugXds } from '../source.js';
import { connectedProxies, findProxy } from './proxies.js';

export interface AdszClient {
  connectionId: string;
  connectedAt: string;
  address: string;
  proxy: string;
  kind: 'sotw' | 'delta';
  client: 'proxyless' | 'envoy';
  network: string;
  requestedNetworks: readonly string[];
  clusterId: string;
  labels: Readonly<Record<string, string>>;
  metadata: unknown;
  /** typeUrl -> subscribed names ('*' for a wildcard subscription). */
  watches: Record<string, string[]>;
  unknownTypes?: unknown[];
  blocked: boolean;
  /** Set when the metadata was larger than DEBUG_BOUNDS.metadataBytes: what `metadata` leaves out. */
  metadataTruncated?: Truncation;
  labelsTruncated?: Truncation;
  /** Set when more networks were requested than are listed: how many. */
  requestedNetworksTotal?: number;
  /** typeUrl -> how many names are subscribed, for the types listed only in part. */
  watchesTruncated?: Record<string, { shown: number; total: number }>;
}

/** The /debug/adsz body. */
export interface Adsz {
  totalClients: number;
  clients: AdszClient[];
}

// A node's bounded metadata is computed once per node (nodes are immutable and live as long as their stream).
const shownNodes = new WeakMap<XdsNode, Pick<AdszClient, 'metadata' | 'metadataTruncated' | 'labels' | 'labelsTruncated'>>();

function shownNode(node: XdsNode): Pick<AdszClient, 'metadata' | 'metadataTruncated' | 'labels' | 'labelsTruncated'> {
  let shown = shownNodes.get(node);
  if (!shown) {
    const metadata = boundedObject(node.metadata, DEBUG_BOUNDS.metadataBytes);
    const labels = boundedObject(node.labels, DEBUG_BOUNDS.labelsBytes);
    shown = {
      metadata: metadata.shown,
      ...(metadata.truncated ? { metadataTruncated: metadata.truncated } : {}),
      labels: labels.shown as Record<string, string>,
      ...(labels.truncated ? { labelsTruncated: labels.truncated } : {}),
    };
    shownNodes.set(node, shown);
  }
  return shown;
}

export function adsz(xds: DebugXds, params: URLSearchParams): Adsz {
  const proxyID = params.get('proxyID');
  const conns = proxyID ? [findProxy(xds, proxyID)] : connectedProxies(xds);
  const clients = conns.map((c): AdszClient => {
    const node = c.node!;
    const watches: Record<string, string[]> = {};
    const watchesTruncated: Record<string, { shown: number; total: number }> = {};
    for (const t of c.types) {
      const names = boundedList(t.subscribed, DEBUG_BOUNDS.namesPerType);
      watches[t.typeUrl] = t.wildcard ? ['*', ...names.shown] : names.shown;
      if (names.total !== undefined) watchesTruncated[t.typeUrl] = { shown: names.shown.length, total: names.total };
    }
    const requested = boundedList(node.requestedNetworks);
    const unknown = c.unknownTypes.slice(0, DEBUG_BOUNDS.listItems).map((u) => ({ ...u, typeUrl: shownId(u.typeUrl) }));
    const { metadata, metadataTruncated, labels, labelsTruncated } = shownNode(node);
    return {
      connectionId: c.id,
      connectedAt: c.connectedAt,
      address: c.peer,
      proxy: shownId(node.id),
      kind: c.kind,
      client: node.proxyless ? 'proxyless' : 'envoy',
      network: shownId(node.network),
      requestedNetworks: requested.shown,
      clusterId: shownId(node.clusterId),
      labels,
      metadata,
      watches,
      ...(unknown.length > 0 ? { unknownTypes: unknown } : {}),
      blocked: c.blocked,
      ...(metadataTruncated ? { metadataTruncated } : {}),
      ...(labelsTruncated ? { labelsTruncated } : {}),
      ...(requested.total !== undefined ? { requestedNetworksTotal: requested.total } : {}),
      ...(Object.keys(watchesTruncated).length > 0 ? { watchesTruncated } : {}),
    };
  });
  return { totalClients: clients.length, clients };
}

/** Cheap: every open stream, including those that have not sent a node yet. */
export function connections(xds: DebugXds): { totalClients: number; clients: { connectionId: string; connectedAt: string; address: string; proxy?: string }[] } {
  const all = xds.connections();
  return {
    totalClients: all.length,
    clients: all.map((c) => ({ connectionId: c.id, connectedAt: c.connectedAt, address: c.peer, ...(c.node ? { proxy: shownId(c.node.id) } : {}) })),
  };
}
