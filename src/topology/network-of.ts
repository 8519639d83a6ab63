// Which network an endpoint is on, with istiod's precedence (highest first):
//   1. the pod's label topology.istio.io/network
//   2. that label on the system namespace (istio-system) of the endpoint's cluster
//   3. meshNetworks fromRegistry naming the endpoint's cluster (first network in document order)
//   4. meshNetworks fromCidr containing the endpoint's IP (first match in document order)
// Otherwise '' (unknown): such endpoints are always sent directly.
//
// Runs once per endpoint on every change, so meshNetworks is compiled up front: a map for
// fromRegistry and integer prefix matchers for fromCidr.
import type { ClusterId, NetworkId } from '../model/types.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './cidr.js';
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

export class NetworkLookup {
  private readonly byRegistry = new Map<ClusterId, NetworkId>();
  private readonly cidrs: { cidr: Cidr; network: NetworkId }[] = [];
  private readonly decisionCache = new Map<NetworkSource, Map<NetworkId, NetworkDecision>>();

  /**
   * @param meshNetworks validated meshNetworks (invalid CIDRs are skipped, never thrown on)
   * @param systemNamespaceNetworks per cluster, the network label of its system namespace ('' or absent: none)
   */
  constructor(
    meshNetworks: MeshNetworks,
    private readonly systemNamespaceNetworks: ReadonlyMap<ClusterId, NetworkId> = new Map(),
  ) {
    for (const network of meshNetworks.networks) {
      for (const ep of network.endpoints) {
        if ('fromRegistry' in ep) {
          if (!this.byRegistry.has(ep.fromRegistry)) this.byRegistry.set(ep.fromRegistry, network.name);
        } else {
          const cidr = parseCidr(ep.fromCidr);
          if (typeof cidr !== 'string') this.cidrs.push({ cidr, network: network.name });
        }
      }
    }
  }

  /** The network of one endpoint and the rule that decided it. */
  networkOf(input: NetworkOfInput): NetworkDecision {
    const fromPod = input.podLabels?.[NETWORK_LABEL];
    if (fromPod) return this.decision(fromPod, 'pod-label');
    const fromNamespace = this.systemNamespaceNetworks.get(input.cluster);
    if (fromNamespace) return this.decision(fromNamespace, 'system-namespace');
    const fromRegistry = this.byRegistry.get(input.cluster);
    if (fromRegistry !== undefined) return this.decision(fromRegistry, 'fromRegistry');
    if (this.cidrs.length > 0) {
      const ip = parseIp(input.address);
      if (ip) {
        for (const { cidr, network } of this.cidrs) {
          if (cidrContains(cidr, ip)) return this.decision(network, 'fromCidr');
        }
      }
    }
    return UNKNOWN;
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
