// Kubernetes objects -> Horizon's own types. Pure functions: the only place past which client-node's
// object shapes do not travel. Objects may come from a list (JSON) or a watch event (JSON): only plain
// fields are read, never Date objects.
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import {
  ISTIO_LOCALITY_LABEL,
  REGION_LABEL,
  SUBZONE_LABEL,
  ZONE_LABEL,
} from '../model/labels.js';
import type { ClusterId, EndpointHealth, EndpointRecord, Locality, ClusterNode, ServiceInfo, ServicePort } from '../model/types.js';
import { protocolOf } from './protocol.js';

export const hostnameOf = (name: string, namespace: string, domain: string): string =>
  `${name}.${namespace}.svc.${domain}`;

/**
 * The service a host means, the way Kubernetes DNS search paths resolve it from `namespace` (and as
 * istiod qualifies Istio config hosts): `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.<domain>`, a
 * trailing dot ignored. Wildcards and anything else are taken as written. undefined for a bare name
 * when there is no namespace to resolve it in. Used for Istio config hosts and xDS client targets.
 */
export function qualifyHost(host: string, namespace: string, domain: string): string | undefined {
  if (host.includes('*')) return host;
  const h = host.endsWith('.') ? host.slice(0, -1) : host;
  if (h.endsWith(`.svc.${domain}`)) return h;
  const parts = h.split('.');
  if (parts.length === 1) return namespace ? hostnameOf(h, namespace, domain) : undefined;
  if (parts.length === 2) return `${h}.svc.${domain}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${h}.${domain}`;
  return h;
}

const serviceTypes = new Set(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']);

export function toServiceInfo(svc: V1Service, cluster: ClusterId, domain: string): ServiceInfo {
  const name = svc.metadata?.name ?? '';
  const namespace = svc.metadata?.namespace ?? '';
  const spec = svc.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    name: p.name ?? '',
    port: p.port,
    ...(p.targetPort !== undefined ? { targetPort: p.targetPort as number | string } : {}),
    ...(p.nodePort ? { nodePort: p.nodePort } : {}),
    protocol: protocolOf({ name: p.name, appProtocol: p.appProtocol, protocol: p.protocol }),
  }));
  const type = serviceTypes.has(spec.type ?? '') ? (spec.type as ServiceInfo['type']) : 'ClusterIP';
  const clusterIPs = spec.clusterIPs ?? (spec.clusterIP && spec.clusterIP !== 'None' ? [spec.clusterIP] : []);
  return {
    hostname: hostnameOf(name, namespace, domain),
    name,
    namespace,
    cluster,
    type,
    ports,
    clusterIPs: clusterIPs.filter((ip) => ip !== 'None'),
    externalIPs: [...(spec.externalIPs ?? [])],
    loadBalancerIngress: (svc.status?.loadBalancer?.ingress ?? []).map((i) => ({
      ...(i.ip ? { ip: i.ip } : {}),
      ...(i.hostname ? { hostname: i.hostname } : {}),
    })),
    labels: { ...(svc.metadata?.labels ?? {}) },
    annotations: { ...(svc.metadata?.annotations ?? {}) },
  };
}

/** What an endpoint needs to know about its pod. */
export interface PodFacts {
  labels: Readonly<Record<string, string>>;
  nodeName?: string;
}

/** What an endpoint needs to know about its node. */
export interface NodeFacts {
  labels: Readonly<Record<string, string>>;
}

/** `istio-locality` is `region.zone.subzone` because label values cannot carry '/'. */
function localityFromLabel(value: string): Locality {
  const [region = '', zone = '', subzone = ''] = value.split(/[./]/);
  return { region, zone, subzone };
}

export function localityOf(pod: PodFacts | undefined, node: NodeFacts | undefined, sliceZone: string | undefined): Locality {
  const override = pod?.labels[ISTIO_LOCALITY_LABEL];
  if (override) return localityFromLabel(override);
  const labels = node?.labels ?? {};
  return {
    region: labels[REGION_LABEL] ?? '',
    zone: labels[ZONE_LABEL] ?? sliceZone ?? '',
    subzone: labels[SUBZONE_LABEL] ?? '',
  };
}

/** EndpointSlice conditions folded as istiod does: terminating wins, then ready (nil means ready). */
export function healthOf(conditions: { ready?: boolean; serving?: boolean; terminating?: boolean } | undefined): EndpointHealth {
  if (conditions?.terminating === true) return 'terminating';
  if (conditions?.ready === false) return 'unhealthy';
  return 'healthy';
}

const healthRank: Record<EndpointHealth, number> = { healthy: 2, unhealthy: 1, terminating: 0 };

export interface SliceLookup {
  pod(namespace: string, name: string): PodFacts | undefined;
  node(name: string): NodeFacts | undefined;
  /** Returns a shared copy of an equal locality (thousands of endpoints have the same few). */
  locality?(l: Locality): Locality;
}

/**
 * The endpoints of one service in one cluster, from all of its EndpointSlices. An address listed in
 * several slices (it happens while the controller moves endpoints between slices) is reported once,
 * with the union of its ports and its best health.
 */
export function endpointsFromSlices(
  cluster: ClusterId,
  namespace: string,
  slices: Iterable<V1EndpointSlice>,
  lookup: SliceLookup,
): EndpointRecord[] {
  const byAddress = new Map<string, EndpointRecord>();
  for (const slice of slices) {
    if (slice.addressType === 'FQDN') continue;
    const ports: Record<string, number> = {};
    for (const p of slice.ports ?? []) {
      if (typeof p.port === 'number') ports[p.name ?? ''] = p.port;
    }
    for (const ep of slice.endpoints ?? []) {
      const ref = ep.targetRef?.kind === 'Pod' ? ep.targetRef : undefined;
      const pod = ref?.name ? lookup.pod(ref.namespace ?? namespace, ref.name) : undefined;
      const nodeName = ep.nodeName ?? pod?.nodeName;
      const node = nodeName ? lookup.node(nodeName) : undefined;
      const health = healthOf(ep.conditions);
      for (const address of ep.addresses ?? []) {
        const seen = byAddress.get(address);
        if (seen) {
          const merged: EndpointRecord = {
            ...seen,
            ports: { ...seen.ports, ...ports },
            health: healthRank[health] > healthRank[seen.health] ? health : seen.health,
          };
          byAddress.set(address, merged);
          continue;
        }
        byAddress.set(address, {
          address,
          ports,
          cluster,
          namespace,
          locality: lookup.locality ? lookup.locality(localityOf(pod, node, ep.zone)) : localityOf(pod, node, ep.zone),
          health,
          labels: pod?.labels ?? {},
          ...(ref?.name ? { podName: ref.name } : {}),
          ...(nodeName ? { nodeName } : {}),
        });
      }
    }
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

export function toClusterNode(node: V1Node, cluster: ClusterId): ClusterNode {
  return {
    name: node.metadata?.name ?? '',
    cluster,
    labels: { ...(node.metadata?.labels ?? {}) },
    addresses: (node.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
  };
}
