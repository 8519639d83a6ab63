// What the mesh picture shows, decided from the debug JSON alone: a pure function (no DOM, no clock),
// so it is unit-tested in Node and the SVG code only draws it. Networks are boxes holding their
// clusters and east-west gateways, the callers of each network stand on the left; edges say who
// reaches what. With a service in focus, the
// edges are that service as a caller on one network receives it: direct to clusters of its own network,
// through the gateways of the others, each with its share of the traffic, and what was left out.
import type { ClusterzEntry, ExplainedAssignment, Networkz, SynczEntry } from './api-types.js';

export type Tone = 'ok' | 'warn' | 'bad' | 'muted';

export interface GraphNode {
  id: string;
  kind: 'network' | 'callers' | 'cluster' | 'gateway';
  /** The box it sits in. */
  parent?: string;
  title: string;
  detail?: string;
  tone?: Tone;
  /** Longer text shown on hover (e.g. a refusal's full reason). */
  tooltip?: string;
  /** Not part of the focused service's picture. */
  dim?: boolean;
  /** Palette index of its network (stable by sorted network name). */
  color?: number;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: 'direct' | 'gateway' | 'forward' | 'left-out';
  label?: string;
}

export interface GraphModel {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export interface MeshFacts {
  clusters: readonly ClusterzEntry[];
  networkz: Networkz;
  proxies: readonly SynczEntry[];
}

export interface ServiceFocus {
  /** The caller network whose view is drawn. */
  caller: string;
  assignment: ExplainedAssignment | undefined;
  /** Clusters that declare the service (registryz), to draw a gateway's onward edges. */
  serviceClusters: readonly string[];
}

export const networkNodeId = (network: string) => `net:${network}`;
export const callersNodeId = (network: string) => `callers:${network}`;
export const clusterNodeId = (id: string) => `cluster:${id}`;
export const gatewayNodeId = (network: string, address: string, port: number) => `gw:${network}:${address}:${port}`;

export function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** n/d reduced, written as /debug/edsz writes shares ("2/4" -> "1/2", "4/4" -> "1/1"); "0" for nothing. */
export function fraction(n: number, d: number): string {
  if (d <= 0 || n <= 0) return '0';
  const g = gcd(n, d);
  return `${n / g}/${d / g}`;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Every network the JSON names, sorted; '' (endpoints on no known network) last if present. */
export function networksOf(facts: MeshFacts, extra: readonly string[] = []): string[] {
  const names = new Set<string>(extra);
  for (const c of facts.clusters) if (c.syncStatus !== 'refused' && c.network !== undefined) names.add(c.network);
  for (const g of facts.networkz.gateways) names.add(g.network);
  for (const p of facts.proxies) if (p.network) names.add(p.network);
  const known = [...names].filter((n) => n !== '').sort();
  return names.has('') ? [...known, ''] : known;
}

export function networkLabel(network: string): string {
  return network === '' ? 'no network' : network;
}

/** The cluster's health as a word and a tone. */
export function clusterState(c: ClusterzEntry): { word: string; tone: Tone } {
  if (c.syncStatus === 'refused') return { word: 'refused', tone: 'bad' };
  if (c.stale) return { word: `${c.syncStatus}, stale`, tone: 'bad' };
  if (c.syncStatus === 'synced') return { word: c.rotation ? `synced, rotation ${c.rotation.state}` : 'synced', tone: c.rotation?.state === 'refused' ? 'warn' : 'ok' };
  if (c.syncStatus === 'closed') return { word: 'closed', tone: 'muted' };
  return { word: c.syncStatus, tone: 'warn' };
}

/** A Secret key as people name it: istio-system/cluster2-secret key cluster2. */
export function secretLabel(c: ClusterzEntry): string {
  return c.secretName ? `${c.secretNamespace ?? ''}/${c.secretName} key ${c.secretKey ?? ''}` : '';
}

export function buildGraph(facts: MeshFacts, focus?: ServiceFocus): GraphModel {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const known = new Set<string>();
  const add = (n: GraphNode) => {
    if (known.has(n.id)) return;
    known.add(n.id);
    nodes.push(n);
  };
  const networks = networksOf(facts, focus ? [focus.caller] : []);
  const color = new Map(networks.map((n, i) => [n, i]));
  const live = facts.clusters.filter((c) => c.syncStatus !== 'refused');
  const clustersOn = (network: string) => live.filter((c) => (c.network ?? '') === network);

  for (const network of networks) {
    const clusters = clustersOn(network);
    const gateways = facts.networkz.gateways.filter((g) => g.network === network);
    add({
      id: networkNodeId(network),
      kind: 'network',
      title: networkLabel(network),
      detail: `${plural(clusters.length, 'cluster')} · ${plural(gateways.length, 'gateway')}`,
      color: color.get(network)!,
    });
    // Callers stand left of every network box (not inside their own): then every edge runs one way,
    // callers -> clusters and gateways -> clusters, and the layout needs no edge turning back.
    if (!focus || focus.caller === network) {
      const proxies = facts.proxies.filter((p) => p.network === network).length;
      add({ id: callersNodeId(network), kind: 'callers', title: `callers on ${networkLabel(network)}`, detail: `${plural(proxies, 'proxy', 'proxies')} connected`, color: color.get(network)! });
    }
    for (const c of clusters) {
      const state = clusterState(c);
      add({
        id: clusterNodeId(c.id),
        kind: 'cluster',
        parent: networkNodeId(network),
        title: c.id,
        detail: c.primary ? `primary · ${state.word}` : state.word,
        tone: state.tone,
        tooltip: [c.server, c.lastError, c.rotation?.message].filter(Boolean).join('\n'),
        color: color.get(network)!,
      });
    }
    for (const g of gateways) {
      add({
        id: gatewayNodeId(g.network, g.address, g.port),
        kind: 'gateway',
        parent: networkNodeId(network),
        title: `gateway ${hostPortText(g.address, g.port)}`,
        detail: `${g.cluster} · ${g.source}${g.hostname ? ` · ${g.hostname}` : ''}`,
        tooltip: g.origin,
        color: color.get(network)!,
      });
    }
  }

  if (!focus) {
    for (const a of networks) {
      for (const c of clustersOn(a)) edges.push({ id: `direct:${a}:${c.id}`, source: callersNodeId(a), target: clusterNodeId(c.id), kind: 'direct' });
      for (const g of facts.networkz.gateways) {
        if (g.network === a) continue;
        edges.push({ id: `via:${a}:${g.network}:${g.address}:${g.port}`, source: callersNodeId(a), target: gatewayNodeId(g.network, g.address, g.port), kind: 'gateway' });
      }
    }
    for (const g of facts.networkz.gateways) {
      for (const c of clustersOn(g.network)) edges.push({ id: `fwd:${g.network}:${g.address}:${g.port}:${c.id}`, source: gatewayNodeId(g.network, g.address, g.port), target: clusterNodeId(c.id), kind: 'forward' });
    }
    return { nodes, edges };
  }

  // A service in focus, as a caller on focus.caller receives it.
  const used = new Set<string>([networkNodeId(focus.caller), callersNodeId(focus.caller)]);
  const a = focus.assignment;
  if (a) {
    const total = a.explain.totalWeight;
    const approx = a.explain.capped ? '≈' : '';
    const direct = new Map<string, { weight: number; count: number }>();
    const viaGateway = new Map<string, { weight: number; endpoints: number; network: string; gatewayCluster: string; address: string; port: number }>();
    for (const e of a.endpoints) {
      if (e.kind === 'direct') {
        const key = e.cluster ?? '';
        const d = direct.get(key) ?? { weight: 0, count: 0 };
        d.weight += e.weight;
        d.count++;
        direct.set(key, d);
      } else if (e.gateway) {
        const id = gatewayNodeId(e.network, e.gateway.address, e.gateway.port);
        const g = viaGateway.get(id) ?? { weight: 0, endpoints: e.endpointCount ?? 0, network: e.network, gatewayCluster: e.gateway.cluster, address: e.gateway.address, port: e.gateway.port };
        g.weight += e.weight;
        viaGateway.set(id, g);
      }
    }
    for (const [cluster, d] of direct) {
      const target = clusterNodeId(cluster);
      if (!known.has(target)) add({ id: target, kind: 'cluster', parent: networkNodeId(focus.caller), title: cluster, detail: 'not in /debug/clusterz', tone: 'warn' });
      markWithParent(used, nodes, target);
      edges.push({ id: `direct:${focus.caller}:${cluster}`, source: callersNodeId(focus.caller), target, kind: 'direct', label: `direct ${approx}${fraction(d.weight, total)} · ${plural(d.count, 'endpoint')}` });
    }
    for (const [id, g] of viaGateway) {
      if (!known.has(id)) {
        if (!known.has(networkNodeId(g.network))) add({ id: networkNodeId(g.network), kind: 'network', title: networkLabel(g.network) });
        add({ id, kind: 'gateway', parent: networkNodeId(g.network), title: `gateway ${hostPortText(g.address, g.port)}`, detail: g.gatewayCluster });
      }
      markWithParent(used, nodes, id);
      edges.push({ id: `via:${focus.caller}:${id}`, source: callersNodeId(focus.caller), target: id, kind: 'gateway', label: `${approx}${fraction(g.weight, total)} · ${plural(g.endpoints, 'endpoint')}` });
      for (const c of clustersOn(g.network)) {
        if (!focus.serviceClusters.includes(c.id)) continue;
        markWithParent(used, nodes, clusterNodeId(c.id));
        edges.push({ id: `fwd:${id}:${c.id}`, source: id, target: clusterNodeId(c.id), kind: 'forward' });
      }
    }
    const leftOut = new Map<string, Map<string, number>>();
    for (const x of a.leftOut) {
      const byReason = leftOut.get(x.cluster) ?? new Map<string, number>();
      byReason.set(x.reason, (byReason.get(x.reason) ?? 0) + 1);
      leftOut.set(x.cluster, byReason);
    }
    for (const [cluster, byReason] of leftOut) {
      const target = clusterNodeId(cluster);
      if (!known.has(target)) continue;
      markWithParent(used, nodes, target);
      const text = [...byReason].map(([reason, n]) => `${reason} ×${n}`).join(', ');
      edges.push({ id: `left:${focus.caller}:${cluster}`, source: callersNodeId(focus.caller), target, kind: 'left-out', label: `left out: ${text}` });
    }
  }
  for (const n of nodes) if (!used.has(n.id)) n.dim = true;
  return { nodes, edges };
}

/** Secret keys Horizon refused: drawn beside the graph (they belong to no network), each with its reason. */
export interface RefusedSecret {
  /** `namespace/name key k`, as people name it. */
  secret: string;
  cluster: string;
  /** The reason without the Secret's name (shown next to it). */
  reason: string;
  /** The reason as Horizon gives it. */
  fullReason: string;
}

export function refusedSecrets(clusters: readonly ClusterzEntry[]): RefusedSecret[] {
  return clusters
    .filter((c) => c.syncStatus === 'refused')
    .map((c) => ({ secret: secretLabel(c), cluster: c.id, reason: reasonOnly(c.lastError ?? 'refused'), fullReason: c.lastError ?? 'refused' }));
}

function markWithParent(used: Set<string>, nodes: readonly GraphNode[], id: string): void {
  used.add(id);
  const parent = nodes.find((n) => n.id === id)?.parent;
  if (parent) used.add(parent);
}

export function hostPortText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** A refusal without the "secret ns/name key k: " prefix the node already shows. */
export function reasonOnly(reason: string): string {
  return reason.replace(/^secret \S+ key \S+: /, '');
}

/** `outbound|5000|v2|helloworld.sample.svc.cluster.local` -> parts; undefined for another shape. */
export function parseClusterName(name: string): { port: number; subset: string; host: string } | undefined {
  const m = /^outbound\|(\d+)\|([^|]*)\|(.+)$/.exec(name);
  return m ? { port: Number(m[1]), subset: m[2]!, host: m[3]! } : undefined;
}
