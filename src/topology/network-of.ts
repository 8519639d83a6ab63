// Which network an endpoint is on, with istiod's precedence (highest first):
//   1. the pod's label topology.istio.io/network
//   2. that label on the system namespace (istio-system) of the endpoint's cluster
//   3. meshNetworks fromRegistry naming the endpoint's cluster (first network in document order)
//   4. meshNetworks fromCidr containing the endpoint's IP (first match in document order)
// Otherwise '' (unknown): such endpoints are always sent directly.
//
// Runs once per endpoint on every change, so meshNetworks is compiled up front: a map for
// fromRegistry, and for fromCidr one map per prefix length from the masked prefix to its first network
// in document order, so a lookup costs one map read per distinct prefix length, not one test per CIDR
// (a document may list ten thousand of them, and every endpoint of every cluster is looked up).
import type { ClusterId, NetworkId } from '../model/types.js';
import { parseCidr, parseIp, type ParsedIp } from './cidr.js';
import { NETWORK_LABEL, type MeshNetworks } from './types.js';

export type NetworkSource = 'pod-label' | 'system-namespace' | 'fromRegistry' | 'fromCidr' | 'unknown';

export interface NetworkDecision {
  network: NetworkId;
  source: NetworkSource;
}

export interface NetworkOfInput {
  cluster: ClusterId;
  /** The endpoint's IP (fromCidr matches it). */
  address: string;
  podLabels?: Readonly<Record<string, string>>;
}

const UNKNOWN: NetworkDecision = Object.freeze({ network: '', source: 'unknown' });

/** The fromCidr prefixes of one family and length: masked prefix -> the first one's place and network. */
interface PrefixGroup {
  family: 4 | 6;
  mask: readonly number[];
  first: Map<number | string, { order: number; network: NetworkId }>;
}

/** A masked address as a map key: IPv4 one number, IPv6 its four words as text. */
function prefixKey(words: readonly number[], mask: readonly number[]): number | string {
  if (words.length === 1) return (words[0]! & mask[0]!) >>> 0;
  return `${(words[0]! & mask[0]!) >>> 0}:${(words[1]! & mask[1]!) >>> 0}:${(words[2]! & mask[2]!) >>> 0}:${(words[3]! & mask[3]!) >>> 0}`;
}

export class NetworkLookup {
  private readonly byRegistry = new Map<ClusterId, NetworkId>();
  private readonly prefixGroups: readonly PrefixGroup[];
  private readonly decisionCache = new Map<NetworkSource, Map<NetworkId, NetworkDecision>>();

  /**
   * @param meshNetworks validated meshNetworks (invalid CIDRs are skipped, never thrown on)
   * @param systemNamespaceNetworks per cluster, the network label of its system namespace ('' or absent: none)
   */
  constructor(
    meshNetworks: MeshNetworks,
    private readonly systemNamespaceNetworks: ReadonlyMap<ClusterId, NetworkId> = new Map(),
  ) {
    const groups = new Map<string, PrefixGroup>();
    let order = 0;
    for (const network of meshNetworks.networks) {
      for (const ep of network.endpoints) {
        if ('fromRegistry' in ep) {
          if (!this.byRegistry.has(ep.fromRegistry)) this.byRegistry.set(ep.fromRegistry, network.name);
          continue;
        }
        const cidr = parseCidr(ep.fromCidr);
        if (typeof cidr === 'string') continue;
        const groupKey = `${cidr.family}/${cidr.prefixLength}`;
        let group = groups.get(groupKey);
        if (!group) groups.set(groupKey, (group = { family: cidr.family, mask: cidr.mask, first: new Map() }));
        const key = prefixKey(cidr.network, cidr.mask);
        if (!group.first.has(key)) group.first.set(key, { order, network: network.name });
        order++;
      }
    }
    this.prefixGroups = [...groups.values()];
  }

  /** The network of one endpoint and the rule that decided it. */
  networkOf(input: NetworkOfInput): NetworkDecision {
    const fromPod = input.podLabels?.[NETWORK_LABEL];
    if (fromPod) return this.decision(fromPod, 'pod-label');
    const fromNamespace = this.systemNamespaceNetworks.get(input.cluster);
    if (fromNamespace) return this.decision(fromNamespace, 'system-namespace');
    const fromRegistry = this.byRegistry.get(input.cluster);
    if (fromRegistry !== undefined) return this.decision(fromRegistry, 'fromRegistry');
    if (this.prefixGroups.length > 0) {
      const ip = parseIp(input.address);
      const network = ip ? this.firstPrefixNetwork(ip) : undefined;
      if (network !== undefined) return this.decision(network, 'fromCidr');
    }
    return UNKNOWN;
  }

  /** The network of the first fromCidr (in document order) containing `ip`. */
  private firstPrefixNetwork(ip: ParsedIp): NetworkId | undefined {
    let best: { order: number; network: NetworkId } | undefined;
    for (const group of this.prefixGroups) {
      if (group.family !== ip.family) continue;
      const hit = group.first.get(prefixKey(ip.words, group.mask));
      if (hit && (!best || hit.order < best.order)) best = hit;
    }
    return best?.network;
  }

  /** Decisions are shared frozen objects, so the per-endpoint path allocates nothing. */
  private decision(network: NetworkId, source: NetworkSource): NetworkDecision {
    let bySource = this.decisionCache.get(source);
    if (!bySource) this.decisionCache.set(source, (bySource = new Map()));
    let found = bySource.get(network);
    if (!found) bySource.set(network, (found = Object.freeze({ network, source })));
    return found;
  }
}
