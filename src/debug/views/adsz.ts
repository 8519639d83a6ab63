// /debug/adsz and /debug/connections: the connected xDS streams (istiod's AdsClients shape:
// totalClients, clients[{connectionId, connectedAt, address, labels, metadata, watches}]), plus what
// Horizon adds: stream kind, proxyless or Envoy, network view.
import type { DebugSource } from '../source.js';
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
}

/** The /debug/adsz body. */
export interface Adsz {
  totalClients: number;
  clients: AdszClient[];
}

export function adsz(source: DebugSource, params: URLSearchParams): Adsz {
  const proxyID = params.get('proxyID');
  const conns = proxyID ? [findProxy(source, proxyID)] : connectedProxies(source);
  const clients = conns.map((c): AdszClient => {
    const node = c.node!;
    const watches: Record<string, string[]> = {};
    for (const t of c.types) watches[t.typeUrl] = t.wildcard ? ['*', ...t.subscribed] : t.subscribed;
    return {
      connectionId: c.id,
      connectedAt: c.connectedAt,
      address: c.peer,
      proxy: node.id,
      kind: c.kind,
      client: node.proxyless ? 'proxyless' : 'envoy',
      network: node.network,
      requestedNetworks: node.requestedNetworks,
      clusterId: node.clusterId,
      labels: node.labels,
      metadata: node.metadata,
      watches,
      ...(c.unknownTypes.length > 0 ? { unknownTypes: c.unknownTypes } : {}),
      blocked: c.blocked,
    };
  });
  return { totalClients: clients.length, clients };
}

/** Cheap: every open stream, including those that have not sent a node yet. */
export function connections(source: DebugSource): { totalClients: number; clients: { connectionId: string; connectedAt: string; address: string; proxy?: string }[] } {
  const all = source.xds.connections();
  return {
    totalClients: all.length,
    clients: all.map((c) => ({ connectionId: c.id, connectedAt: c.connectedAt, address: c.peer, ...(c.node ? { proxy: c.node.id } : {}) })),
  };
}
