// The differential test's oracle: what the clusters hold, read with kubectl (never from Horizon or
// istiod), and what a caller on a network should receive for a service, as Horizon means it and as
// istiod does it (with each istiod rule that changes the answer named, so a difference between the
// two can be traced to a rule listed in the test).
import type { KubectlEnv } from '../../emulator/helpers.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface FactEndpoint {
  /** `ip:port` (the EndpointSlice's target port). */
  key: string;
  cluster: string;
  network: string;
  labels: Readonly<Record<string, string>>;
  /** Pod label security.istio.io/tlsMode=istio (what injection adds): istiod routes it across networks. */
  mtls: boolean;
  pod: string;
}

export interface FactService {
  host: string;
  port: number;
  /** A DestinationRule subset: its name (in the cluster name) and the endpoints its labels select. */
  subset?: string;
  /** Ready, not terminating endpoints of this port (and subset), every cluster. */
  endpoints: FactEndpoint[];
}

export interface FactGateway {
  key: string;
  network: string;
  cluster: string;
}

export interface MeshFacts {
  /** Every service port, and every DestinationRule subset of it. */
  services: FactService[];
  /** network -> its east-west gateways. */
  gateways: Map<string, FactGateway[]>;
  /** Any `address:port` -> the network it leads to (pod network, or the gateway's network). */
  networkOf(key: string): string | undefined;
}

export interface ClusterContext {
  context: string;
  clusterId: string;
}

const NETWORK_LABEL = 'topology.istio.io/network';

export const clusterName = (s: Pick<FactService, 'host' | 'port' | 'subset'>): string => `outbound|${s.port}|${s.subset ?? ''}|${s.host}`;

/**
 * Reads pods, Services, EndpointSlices and the system namespace of each cluster, and the
 * DestinationRules of the first (the config cluster).
 */
export async function readMeshFacts(k: KubectlEnv, clusters: readonly ClusterContext[], namespaces: readonly string[]): Promise<MeshFacts> {
  const get = async (c: ClusterContext, what: string) => JSON.parse((await k.run(['--context', c.context, 'get', what, '-A', '-o', 'json'])).stdout) as Json;
  const services = new Map<string, FactService>();
  const gateways = new Map<string, Map<string, FactGateway>>();
  const networks = new Map<string, string>();
  for (const c of clusters) {
    const [pods, svcs, slices, nss] = await Promise.all([get(c, 'pods'), get(c, 'services'), get(c, 'endpointslices'), get(c, 'namespaces')]);
    const clusterNetwork = ((nss.items ?? []) as Json[]).find((n) => n.metadata.name === 'istio-system')?.metadata?.labels?.[NETWORK_LABEL] ?? '';
    const podsByIp = new Map<string, Json>();
    for (const p of (pods.items ?? []) as Json[]) if (p.status?.podIP) podsByIp.set(`${p.metadata.namespace}/${p.status.podIP}`, p);
    for (const s of (svcs.items ?? []) as Json[]) {
      const ns = s.metadata.namespace as string;
      const nw = s.metadata.labels?.[NETWORK_LABEL] as string | undefined;
      if (nw) {
        const gwPort = Number(s.metadata.labels?.['networking.istio.io/gatewayPort'] ?? 15443);
        if (((s.spec?.ports ?? []) as Json[]).some((p) => p.port === gwPort)) {
          for (const ing of (s.status?.loadBalancer?.ingress ?? []) as Json[]) {
            const addr = ing.ip ?? ing.hostname;
            if (!addr) continue;
            const key = `${addr}:${gwPort}`;
            if (!gateways.has(nw)) gateways.set(nw, new Map());
            gateways.get(nw)!.set(key, { key, network: nw, cluster: c.clusterId });
            networks.set(key, nw);
          }
        }
      }
      if (!namespaces.includes(ns) || !s.spec?.selector) continue;
      for (const p of (s.spec.ports ?? []) as Json[]) {
        const host = `${s.metadata.name}.${ns}.svc.cluster.local`;
        const id = `${host}:${p.port}`;
        if (!services.has(id)) services.set(id, { host, port: p.port as number, endpoints: [] });
        const svc = services.get(id)!;
        for (const sl of (slices.items ?? []) as Json[]) {
          if (sl.metadata.namespace !== ns || sl.metadata.labels?.['kubernetes.io/service-name'] !== s.metadata.name) continue;
          const slicePort = ((sl.ports ?? []) as Json[]).find((sp) => sp.name === (p.name ?? '') || (sl.ports.length === 1 && !p.name));
          if (!slicePort) continue;
          for (const e of (sl.endpoints ?? []) as Json[]) {
            if (e.conditions?.ready === false || e.conditions?.terminating === true) continue;
            for (const a of (e.addresses ?? []) as string[]) {
              const pod = podsByIp.get(`${ns}/${a}`);
              const network = pod?.metadata?.labels?.[NETWORK_LABEL] ?? clusterNetwork;
              const key = `${a}:${slicePort.port}`;
              networks.set(key, network);
              const labels = (pod?.metadata?.labels ?? {}) as Record<string, string>;
              svc.endpoints.push({ key, cluster: c.clusterId, network, labels, mtls: labels['security.istio.io/tlsMode'] === 'istio', pod: pod?.metadata?.name ?? '?' });
            }
          }
        }
      }
    }
  }
  // Subsets: each DestinationRule subset of a known host is a cluster of its own, holding the endpoints
  // whose pod labels match.
  const primary = clusters[0];
  if (primary) {
    const drs = await get(primary, 'destinationrules.networking.istio.io');
    for (const dr of (drs.items ?? []) as Json[]) {
      const ns = dr.metadata.namespace as string;
      const host = String(dr.spec?.host ?? '');
      const fqdn = host.includes('.') ? (host.endsWith('.svc.cluster.local') ? host : `${host}.svc.cluster.local`) : `${host}.${ns}.svc.cluster.local`;
      for (const base of [...services.values()].filter((x) => x.host === fqdn && !x.subset)) {
        for (const sub of (dr.spec?.subsets ?? []) as Json[]) {
          const want = Object.entries((sub.labels ?? {}) as Record<string, string>);
          const endpoints = base.endpoints.filter((e) => want.every(([lk, lv]) => e.labels[lk] === lv));
          services.set(`${base.host}:${base.port}|${sub.name}`, { host: base.host, port: base.port, subset: String(sub.name), endpoints });
        }
      }
    }
  }
  return {
    services: [...services.values()].sort((a, b) => clusterName(a).localeCompare(clusterName(b))),
    gateways: new Map([...gateways].map(([n, m]) => [n, [...m.values()].sort((a, b) => a.key.localeCompare(b.key))])),
    networkOf: (key) => networks.get(key),
  };
}

/** The gateways that carry an endpoint of (network, cluster): that cluster's own, else all of the network (both servers' rule). */
export function gatewaysFor(facts: MeshFacts, network: string, cluster: string): string[] {
  const all = facts.gateways.get(network) ?? [];
  const own = all.filter((g) => g.cluster === cluster);
  return (own.length > 0 ? own : all).map((g) => g.key);
}

/** What a caller receives for one service, by what it does to traffic. */
export interface CallerView {
  /** Pod addresses sent as they are. */
  direct: string[];
  /** Gateway addresses sent. */
  gateways: string[];
  /** network -> share of the calls (rounded to 1e-6), as the client kind balances. */
  shares: Record<string, number>;
}

/** An istiod rule that makes its answer differ from Horizon's, with why Horizon does otherwise. */
export interface Difference {
  id: string;
  reason: string;
}

/** Every difference between Horizon and istiod the test accepts, each chosen on purpose by Horizon. */
export const LISTED_DIFFERENCES = {
  rawIpsWithoutGateway: {
    id: 'raw pod IPs of a network without gateway',
    reason:
      'istiod (sidecar mode) sends the pod addresses of a network that has no east-west gateway to callers on other networks, where they are unreachable; Horizon leaves them out (and says so in /debug/edsz), so no call is sent into the void',
  },
  mtlsOnlyAcrossNetworks: {
    id: 'cross-network only for mTLS pods',
    reason:
      'istiod sends a gateway for a remote endpoint only when the pod takes Istio mTLS (label security.istio.io/tlsMode=istio, set by injection), because its gateways route by the SNI of that mTLS; Horizon\'s gateways route plaintext HTTP/2 by :authority, so it sends every remote endpoint through its gateway',
  },
  gatewayPerLocality: {
    id: 'gateway listed once per locality (istio/istio#56355)',
    reason:
      'istiod lists a remote network\'s gateway once per locality of the remote endpoints; Envoy keeps only the first of equal addresses, so the network gets the weight of one locality, and grpc-go rejects the whole assignment (duplicate endpoint address), so a proxyless caller keeps an older one or none; Horizon lists each gateway once per assignment with the whole network\'s weight',
  },
  gatewayWeightInsideLocality: {
    id: 'gateway weight only as endpoint weight inside a locality',
    reason:
      'istiod puts a remote network\'s gateway into the locality group of the remote endpoints, next to other endpoints of that locality, its weight carried by its endpoint weight; proxyless gRPC round-robins inside a locality and ignores endpoint weights, so the gateway gets one endpoint\'s share there; Horizon gives each network\'s gateways a locality group of their own whose locality weight carries the network\'s share',
  },
} as const satisfies Record<string, Difference>;

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * What a caller on `network` should receive for a service. `istiod: false` is Horizon's meaning (and the
 * truth the test holds Horizon to); `istiod: true` applies istiod's rules and names those that changed
 * something. Shares count endpoints (every endpoint weighs the same for both client kinds); #56355 is
 * not modelled here but recognised in the received assignment (see the test).
 */
export function expectedView(facts: MeshFacts, svc: FactService, network: string, istiod: boolean): { view: CallerView; rules: Difference[] } {
  const direct: string[] = [];
  const gateways = new Set<string>();
  const counts = new Map<string, number>();
  const rules = new Set<Difference>();
  const count = (n: string) => counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const e of svc.endpoints) {
    const gws = gatewaysFor(facts, e.network, e.cluster);
    if (e.network === network || e.network === '') {
      direct.push(e.key);
      count(e.network);
    } else if (gws.length === 0) {
      if (istiod) {
        direct.push(e.key);
        count(e.network);
        rules.add(LISTED_DIFFERENCES.rawIpsWithoutGateway);
      }
    } else if (istiod && !e.mtls) {
      rules.add(LISTED_DIFFERENCES.mtlsOnlyAcrossNetworks);
    } else {
      for (const g of gws) gateways.add(g);
      count(e.network);
    }
  }
  const total = [...counts.values()].reduce((s, c) => s + c, 0);
  const shares: Record<string, number> = {};
  for (const [n, c] of [...counts].sort()) shares[n] = round(c / total);
  return { view: { direct: [...new Set(direct)].sort(), gateways: [...gateways].sort(), shares }, rules: [...rules] };
}
