// Every network's gateways, sorted and deduplicated, memoized per topology snapshot.
import type { ClusterId, Gateway, NetworkId } from '../model/types.js';

export const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function compareGateways(a: Gateway, b: Gateway): number {
  return compare(a.address, b.address) || a.port - b.port || compare(a.cluster, b.cluster) || compare(a.origin, b.origin);
}

export const gatewayKey = (gw: { address: string; port: number }) => `${gw.address}|${gw.port}`;

export interface NetworkGateways {
  all: Gateway[];
  byCluster: Map<ClusterId, Gateway[]>;
}

export interface GatewayIndex {
  byNetwork: Map<NetworkId, NetworkGateways>;
  ignored: { gateway: Gateway; reason: string }[];
}

/**
 * indexGateways of each gateways map seen, for as long as the map lives. The map is a topology
 * snapshot's (immutable, shared by every assignment until the topology changes), so this is a memo of a
 * pure function: same map, same index.
 */
const gatewayIndexes = new WeakMap<ReadonlyMap<NetworkId, readonly Gateway[]>, GatewayIndex>();

export function indexedGateways(gateways: ReadonlyMap<NetworkId, readonly Gateway[]>): GatewayIndex {
  let index = gatewayIndexes.get(gateways);
  if (!index) gatewayIndexes.set(gateways, (index = indexGateways(gateways)));
  return index;
}

/** Sorted, deduplicated gateways per network; an address:port listed twice is used once. */
function indexGateways(gateways: ReadonlyMap<NetworkId, readonly Gateway[]>): GatewayIndex {
  const byNetwork = new Map<NetworkId, NetworkGateways>();
  const ignored: { gateway: Gateway; reason: string }[] = [];
  const owner = new Map<string, NetworkId>();
  for (const network of [...gateways.keys()].sort(compare)) {
    if (network === '') {
      for (const gateway of gateways.get(network)!) ignored.push({ gateway, reason: 'a gateway needs a network name' });
      continue;
    }
    for (const gateway of [...gateways.get(network)!].sort(compareGateways)) {
      const key = gatewayKey(gateway);
      const first = owner.get(key);
      if (first !== undefined) {
        ignored.push({
          gateway,
          reason: first === network ? 'duplicate of another gateway of the same network' : `already the gateway of network ${JSON.stringify(first)}`,
        });
        continue;
      }
      owner.set(key, network);
      let entry = byNetwork.get(network);
      if (!entry) byNetwork.set(network, (entry = { all: [], byCluster: new Map() }));
      entry.all.push(gateway);
      let inCluster = entry.byCluster.get(gateway.cluster);
      if (!inCluster) entry.byCluster.set(gateway.cluster, (inCluster = []));
      inCluster.push(gateway);
    }
  }
  return { byNetwork, ignored };
}
