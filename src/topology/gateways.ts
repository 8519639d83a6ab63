// The east-west gateways of every network: the union of
//   (1) Services labelled topology.istio.io/network=<nw> (port from networking.istio.io/gatewayPort,
//       default 15443), reached at their LoadBalancer ingress / externalIPs on the service port, or,
//       when they have neither, at the node addresses of their cluster on the node port;
//   (2) meshNetworks gateways: a plain `address` (IP or hostname) with `port`, or a
//       `registryServiceName` with `port`, which counts only in the clusters the same network lists
//       in fromRegistry, reached like (1) at that Service's external addresses.
// Hostnames are looked up through the HostnameLookup passed in, so this stays pure: a hostname that
// has no answer (yet) yields no gateway and is reported.
//
// Deliberate differences from istiod:
// - Node addresses: istiod only uses a node's ExternalIP. kind (and most bare-metal) nodes only have
//   an InternalIP, so we use ExternalIP when a node has one and InternalIP otherwise.
// - istiod uses node addresses only for NodePort Services carrying the traffic.istio.io/nodeSelector
//   annotation. We use them for any NodePort gateway Service, and for a LoadBalancer Service whose
//   load balancer has not been provisioned (it has node ports too); the annotation, when present,
//   still selects the nodes.
// - externalIPs are reached on the service port (that is where kube-proxy serves them), never on the
//   node port.
import { isIP } from 'node:net';
import { hostnameOf } from '../kube/convert.js';
import type { ClusterId, Gateway, GatewaySource, NetworkId } from '../model/types.js';
import {
  DEFAULT_GATEWAY_PORT,
  GATEWAY_PORT_LABEL,
  NETWORK_LABEL,
  NODE_SELECTOR_ANNOTATION,
  type ClusterNode,
  type ClusterService,
  type ClusterServicePort,
  type HostnameLookup,
  type MeshNetworks,
  type TopologyProblem,
} from './types.js';

export interface GatewayInputs {
  services: Iterable<ClusterService>;
  nodes: Iterable<ClusterNode>;
  meshNetworks: MeshNetworks;
  lookupHostname: HostnameLookup;
  /** Service domain for registryServiceName matching; default `cluster.local`. */
  domainSuffix?: string;
}

export interface GatewayCollection {
  /** Sorted by network, address, port; every address:port at most once. */
  gateways: readonly Gateway[];
  byNetwork: ReadonlyMap<NetworkId, readonly Gateway[]>;
  /** Every hostname some gateway needs resolved (sorted): feed these to the DNS resolver. */
  hostnames: readonly string[];
  /** Hostnames with no addresses yet (sorted). */
  unresolved: readonly string[];
  problems: readonly TopologyProblem[];
}

/** A gateway before hostname resolution. */
interface Candidate {
  network: NetworkId;
  host: string;
  port: number;
  cluster: ClusterId;
  source: GatewaySource;
  origin: string;
}

const SOURCE_RANK: Record<GatewaySource, number> = { service: 0, 'meshNetworks-registryServiceName': 1, meshNetworks: 2 };

function serviceRef(svc: ClusterService): string {
  return `${svc.cluster}/${svc.namespace}/${svc.name}`;
}

function normalizeFqdn(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}

/** ExternalIP when the node has one, else InternalIP (kind nodes only have the latter). */
export function nodeAddress(node: ClusterNode): string | undefined {
  const pick = (type: string) => node.addresses.find((a) => a.type === type && a.address !== '')?.address;
  return pick('ExternalIP') ?? pick('InternalIP');
}

class Collector {
  readonly candidates: Candidate[] = [];
  readonly problems: TopologyProblem[] = [];
  private readonly nodesByCluster = new Map<ClusterId, ClusterNode[]>();

  constructor(nodes: Iterable<ClusterNode>) {
    for (const node of nodes) {
      let list = this.nodesByCluster.get(node.cluster);
      if (!list) this.nodesByCluster.set(node.cluster, (list = []));
      list.push(node);
    }
    for (const list of this.nodesByCluster.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  problem(severity: TopologyProblem['severity'], subject: string, message: string): void {
    this.problems.push({ severity, subject, message });
  }

  /** Adds the addresses a foreign network reaches `svc` at, for one of its ports; reports when there is none. */
  addServiceAddresses(
    svc: ClusterService,
    servicePort: number,
    port: ClusterServicePort | undefined,
    base: Omit<Candidate, 'host' | 'port'>,
    subject: string,
  ): void {
    const external: string[] = [];
    for (const ingress of svc.loadBalancerIngress) {
      // The ingress ip wins over its hostname, as in istiod (AWS ELBs give only a hostname).
      if (ingress.ip) external.push(ingress.ip);
      else if (ingress.hostname) external.push(ingress.hostname);
    }
    external.push(...svc.externalIPs.filter((ip) => ip !== ''));
    if (external.length > 0) {
      for (const host of external) this.candidates.push({ ...base, host, port: servicePort });
      return;
    }
    if ((svc.type === 'NodePort' || svc.type === 'LoadBalancer') && port?.nodePort) {
      const nodes = this.selectNodes(svc, subject);
      if (nodes.length === 0) {
        this.problem('warning', subject, `${svc.type} service has no load balancer address and no node of cluster ${svc.cluster} has an ExternalIP or InternalIP; no gateway yet`);
        return;
      }
      for (const { node, address } of nodes) {
        this.candidates.push({ ...base, host: address, port: port.nodePort, origin: `${base.origin} via node ${node.name}` });
      }
      return;
    }
    const why =
      svc.type === 'LoadBalancer'
        ? 'its load balancer has no ingress address yet and it has no node port'
        : `${svc.type} service without externalIPs is not reachable from other networks`;
    this.problem('warning', subject, `no gateway address: ${why}`);
  }

  private selectNodes(svc: ClusterService, subject: string): { node: ClusterNode; address: string }[] {
    let selector: Record<string, string> | undefined;
    const raw = svc.annotations?.[NODE_SELECTOR_ANNOTATION];
    if (raw !== undefined && raw !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.values(parsed).every((v) => typeof v === 'string')) {
          throw new Error('not a map of strings');
        }
        selector = parsed as Record<string, string>;
      } catch (err) {
        this.problem('warning', subject, `annotation ${NODE_SELECTOR_ANNOTATION} is not a JSON map of node labels (${(err as Error).message}); using every node`);
      }
    }
    const out: { node: ClusterNode; address: string }[] = [];
    for (const node of this.nodesByCluster.get(svc.cluster) ?? []) {
      if (selector && !Object.entries(selector).every(([k, v]) => node.labels[k] === v)) continue;
      const address = nodeAddress(node);
      if (address !== undefined) out.push({ node, address });
    }
    return out;
  }
}

function labelledGateway(svc: ClusterService, collector: Collector): void {
  const network = svc.labels[NETWORK_LABEL];
  if (!network) return;
  const subject = `service ${serviceRef(svc)}`;
  let gatewayPort = DEFAULT_GATEWAY_PORT;
  const portLabel = svc.labels[GATEWAY_PORT_LABEL];
  if (portLabel !== undefined && portLabel !== '') {
    const parsed = /^\d+$/.test(portLabel) ? Number(portLabel) : NaN;
    if (parsed >= 1 && parsed <= 65535) gatewayPort = parsed;
    else collector.problem('warning', subject, `label ${GATEWAY_PORT_LABEL}=${JSON.stringify(portLabel)} is not a port number; using ${DEFAULT_GATEWAY_PORT}`);
  }
  const port = svc.ports.find((p) => p.port === gatewayPort);
  if (!port) {
    collector.problem('warning', subject, `labelled as gateway of network ${JSON.stringify(network)} but has no port ${gatewayPort}; not used as a gateway`);
    return;
  }
  collector.addServiceAddresses(svc, gatewayPort, port, { network, cluster: svc.cluster, source: 'service', origin: serviceRef(svc) }, subject);
}

function meshNetworksGateways(inputs: GatewayInputs, services: readonly ClusterService[], collector: Collector): void {
  const domain = normalizeFqdn(inputs.domainSuffix ?? 'cluster.local');
  // Services by hostname, built once (only if some gateway names a service): a document with thousands
  // of registryServiceName gateways must not scan every Service for each.
  let byHostname: Map<string, ClusterService[]> | undefined;
  const servicesNamed = (fqdn: string): readonly ClusterService[] => {
    if (!byHostname) {
      byHostname = new Map();
      for (const svc of services) {
        const host = hostnameOf(svc.name, svc.namespace, domain).toLowerCase();
        let list = byHostname.get(host);
        if (!list) byHostname.set(host, (list = []));
        list.push(svc);
      }
    }
    return byHostname.get(fqdn) ?? [];
  };
  for (const network of inputs.meshNetworks.networks) {
    const registries = new Set(network.endpoints.flatMap((ep) => ('fromRegistry' in ep ? [ep.fromRegistry] : [])));
    network.gateways.forEach((gw, index) => {
      const origin = `meshNetworks ${network.name} gateway ${index}`;
      if ('address' in gw) {
        collector.candidates.push({ network: network.name, host: gw.address, port: gw.port, cluster: '', source: 'meshNetworks', origin });
        return;
      }
      const subject = `meshNetworks network ${JSON.stringify(network.name)} gateway ${index}`;
      if (registries.size === 0) {
        collector.problem('warning', subject, `registryServiceName ${gw.registryServiceName} counts only in clusters the network lists in fromRegistry, and it lists none`);
        return;
      }
      const wanted = normalizeFqdn(gw.registryServiceName);
      const matches = servicesNamed(wanted).filter((svc) => registries.has(svc.cluster));
      if (matches.length === 0) {
        collector.problem('warning', subject, `registryServiceName ${gw.registryServiceName} not found in cluster(s) ${[...registries].sort().join(', ')}; no gateway yet`);
        return;
      }
      for (const svc of matches) {
        const port = svc.ports.find((p) => p.port === gw.port);
        collector.addServiceAddresses(
          svc,
          gw.port,
          port,
          { network: network.name, cluster: svc.cluster, source: 'meshNetworks-registryServiceName', origin: `${origin} -> ${serviceRef(svc)}` },
          `${subject} (${serviceRef(svc)})`,
        );
      }
    });
  }
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Collects, resolves, deduplicates and sorts the gateways of every network. Pure. */
export function collectGateways(inputs: GatewayInputs): GatewayCollection {
  const nodes = [...inputs.nodes];
  const services = [...inputs.services].sort((a, b) => compare(serviceRef(a), serviceRef(b)));
  const collector = new Collector(nodes);
  for (const svc of services) labelledGateway(svc, collector);
  meshNetworksGateways(inputs, services, collector);

  // Resolve hostnames through the lookup.
  const hostnames = new Set<string>();
  const unresolved = new Set<string>();
  const resolved: Gateway[] = [];
  for (const c of collector.candidates) {
    const base = { network: c.network, port: c.port, cluster: c.cluster, source: c.source, origin: c.origin };
    if (isIP(c.host) !== 0) {
      resolved.push({ ...base, address: c.host });
      continue;
    }
    const hostname = normalizeFqdn(c.host);
    hostnames.add(hostname);
    const addresses = inputs.lookupHostname(hostname);
    if (!addresses || addresses.length === 0) {
      if (!unresolved.has(hostname)) {
        collector.problem('warning', c.origin, `gateway hostname ${hostname} has no resolved address${addresses ? '' : ' yet'}; no gateway from it until it resolves`);
      }
      unresolved.add(hostname);
      continue;
    }
    for (const address of addresses) resolved.push({ ...base, address, hostname });
  }

  // One gateway per network+address+port: prefer the one that knows its cluster (a Service beats a
  // bare meshNetworks address), then the smallest origin, so the choice never depends on input order.
  resolved.sort(
    (a, b) =>
      compare(a.network, b.network) ||
      compare(a.address, b.address) ||
      a.port - b.port ||
      SOURCE_RANK[a.source] - SOURCE_RANK[b.source] ||
      compare(a.cluster, b.cluster) ||
      compare(a.origin, b.origin),
  );
  const owner = new Map<string, Gateway>();
  const gateways: Gateway[] = [];
  for (const gw of resolved) {
    const key = `${gw.address}|${gw.port}`;
    const first = owner.get(key);
    if (!first) {
      owner.set(key, gw);
      gateways.push(gw);
    } else if (first.network !== gw.network) {
      // One address cannot be the way into two networks; keep the first network (by name).
      collector.problem(
        'error',
        gw.origin,
        `gateway ${gw.address}:${gw.port} is claimed by networks ${JSON.stringify(first.network)} (${first.origin}) and ${JSON.stringify(gw.network)}; kept for ${JSON.stringify(first.network)}`,
      );
    }
  }

  const byNetwork = new Map<NetworkId, Gateway[]>();
  for (const gw of gateways) {
    let list = byNetwork.get(gw.network);
    if (!list) byNetwork.set(gw.network, (list = []));
    list.push(gw);
  }
  return {
    gateways,
    byNetwork,
    hostnames: [...hostnames].sort(compare),
    unresolved: [...unresolved].sort(compare),
    problems: collector.problems,
  };
}
