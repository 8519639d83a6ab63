// /debug/syncz: per connected proxy and resource type, what was last sent and what the proxy last
// acknowledged or rejected. istiod's flat keys (cluster_sent, cluster_acked, ... holding nonces) come
// first so tools written for istiod read it; `types` has the detail by type. What the client decided (its
// IDs, its NACK message) is shown within DEBUG_BOUNDS.
import { clipText } from '../../util/quote.js';
import { kindOf } from '../../xds/type-urls.js';
import { DEBUG_BOUNDS, shownId } from '../bounds.js';
import type { DebugClusters, DebugXds } from '../source.js';
import { connectedProxies } from './proxies.js';

const ISTIOD_KEYS: Readonly<Record<string, string>> = { CDS: 'cluster', LDS: 'listener', RDS: 'route', EDS: 'endpoint' };

export interface SynczType {
  typeUrl: string;
  subscribed: number;
  wildcard: boolean;
  resources: number;
  sentVersion?: string;
  sentNonce?: string;
  sentAt?: string;
  ackedVersion?: string;
  ackedNonce?: string;
  ackedAt?: string;
  lastNack?: { version: string; nonce: string; message: string; at: string };
  /** True when the last response sent is the one acknowledged. */
  synced: boolean;
  pending: boolean;
}

export type SynczEntry = Record<string, unknown> & {
  proxy: string;
  connectionId: string;
  cluster_id: string;
  network: string;
  types: Record<string, SynczType>;
  /** Watches of the proxy's own cluster that are failing now: what it was sent may be behind. */
  clusterWatchesFailing?: Array<{ owner: string; path: string; since: string; lastError?: string; failures: number }>;
};

export function syncz(xds: DebugXds, clusters: DebugClusters): SynczEntry[] {
  const failingByCluster = new Map<string, NonNullable<SynczEntry['clusterWatchesFailing']>>();
  for (const c of clusters.statuses()) {
    const failing = c.watches.filter((w) => w.state === 'failing');
    if (failing.length > 0) failingByCluster.set(c.id, failing.map(({ owner, path, since, lastError, failures }) => ({ owner, path, since, ...(lastError ? { lastError } : {}), failures })));
  }
  return connectedProxies(xds).map((c) => {
    const node = c.node!;
    const flat: Record<string, string> = {};
    const types: Record<string, SynczType> = {};
    for (const t of c.types) {
      const kind = kindOf(t.typeUrl);
      const prefix = ISTIOD_KEYS[kind];
      if (prefix) {
        if (t.lastSent) flat[`${prefix}_sent`] = t.lastSent.nonce;
        if (t.lastAcked) flat[`${prefix}_acked`] = t.lastAcked.nonce;
      }
      types[kind] = {
        typeUrl: t.typeUrl,
        subscribed: t.subscribed.length,
        wildcard: t.wildcard,
        resources: Object.keys(t.sent).length,
        ...(t.lastSent ? { sentVersion: t.lastSent.version, sentNonce: t.lastSent.nonce, sentAt: t.lastSent.at } : {}),
        ...(t.lastAcked ? { ackedVersion: t.lastAcked.version, ackedNonce: t.lastAcked.nonce, ackedAt: t.lastAcked.at } : {}),
        ...(t.lastNack ? { lastNack: { ...t.lastNack, message: clipText(t.lastNack.message, DEBUG_BOUNDS.messageChars) } } : {}),
        synced: t.lastSent !== undefined && t.lastAcked?.nonce === t.lastSent.nonce,
        pending: t.pending,
      };
    }
    return {
      proxy: shownId(node.id),
      connectionId: c.id,
      cluster_id: shownId(node.clusterId),
      network: shownId(node.network),
      ...flat,
      types,
      ...(failingByCluster.has(node.clusterId) ? { clusterWatchesFailing: failingByCluster.get(node.clusterId)! } : {}),
    };
  });
}
