// What Horizon keeps of the objects it watches (informer transforms). A large cluster's pods and
// EndpointSlices dominate Horizon's memory, so only the fields the conversions read are kept, and the
// strings that repeat across thousands of objects (namespaces, node names, zones, condition sets) are
// shared instead of held once per object as JSON.parse produces them.
import type { KubernetesObject, V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { NODE_SELECTOR_ANNOTATION, SERVICE_NAME_LABEL } from '../model/labels.js';

type Conditions = NonNullable<NonNullable<V1EndpointSlice['endpoints']>[number]['conditions']>;

/** Shares equal strings (and condition sets): one copy of each distinct value for the life of the interner. */
export class Interner {
  private readonly strings = new Map<string, string>();
  private readonly conditionSets = new Map<string, Conditions>();

  /** Condition objects are shared: there are only a handful of distinct ones. */
  conditions(c: Conditions | undefined): Conditions | undefined {
    if (!c) return undefined;
    const key = `${c.ready}|${c.serving}|${c.terminating}`;
    let found = this.conditionSets.get(key);
    if (!found) {
      found = Object.freeze({
        ...(c.ready !== undefined ? { ready: c.ready } : {}),
        ...(c.serving !== undefined ? { serving: c.serving } : {}),
        ...(c.terminating !== undefined ? { terminating: c.terminating } : {}),
      });
      this.conditionSets.set(key, found);
    }
    return found;
  }

  /** Returns the shared copy of s (undefined stays undefined). */
  get<S extends string | undefined>(s: S): S {
    if (s === undefined) return s;
    const found = this.strings.get(s);
    if (found !== undefined) return found as S;
    // Bounded: values that never repeat (names, addresses) must not be interned; callers only pass
    // low-cardinality fields, and this cap keeps a misuse from growing without end.
    if (this.strings.size < 100_000) this.strings.set(s, s);
    return s;
  }
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A pod as Horizon keeps it: its identity and labels (what endpoints need), the node when known. It is
 * also the PodFacts endpoints are built from (labels, nodeName).
 */
export interface SlimPod extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
  labels: Readonly<Record<string, string>>;
  /** spec.nodeName, when the server sent whole pods (metadata-only lists and watches do not carry it). */
  nodeName?: string;
}

export function slimPod(o: KubernetesObject, intern: Interner): SlimPod {
  const m = o.metadata ?? {};
  const nodeName = (o as { spec?: { nodeName?: string } }).spec?.nodeName;
  const pod: SlimPod = {
    metadata: { name: m.name ?? '', namespace: intern.get(m.namespace ?? ''), resourceVersion: m.resourceVersion ?? '' },
    labels: m.labels ?? NO_LABELS,
  };
  if (nodeName) pod.nodeName = intern.get(nodeName);
  return pod;
}

/** An EndpointSlice with what endpointsFromSlices reads: addresses, conditions, node, zone, pod reference. */
export function slimEndpointSlice(o: KubernetesObject, intern: Interner): V1EndpointSlice {
  const s = o as V1EndpointSlice;
  const m = s.metadata ?? {};
  const svc = m.labels?.[SERVICE_NAME_LABEL];
  const namespace = intern.get(m.namespace);
  return {
    metadata: {
      name: m.name,
      namespace,
      resourceVersion: m.resourceVersion,
      ...(svc !== undefined ? { labels: { [SERVICE_NAME_LABEL]: svc } } : {}),
    },
    addressType: s.addressType,
    ...(s.ports ? { ports: s.ports.map((p) => ({ ...(p.name !== undefined ? { name: intern.get(p.name) } : {}), port: p.port })) } : {}),
    endpoints: (s.endpoints ?? []).map((e) => {
      const out: NonNullable<V1EndpointSlice['endpoints']>[number] = { addresses: e.addresses };
      const conditions = intern.conditions(e.conditions);
      if (conditions) out.conditions = conditions;
      if (e.nodeName !== undefined) out.nodeName = intern.get(e.nodeName);
      if (e.zone !== undefined) out.zone = intern.get(e.zone);
      if (e.targetRef) {
        out.targetRef = { kind: intern.get(e.targetRef.kind), name: e.targetRef.name, ...(e.targetRef.namespace !== undefined ? { namespace: intern.get(e.targetRef.namespace) } : {}) };
      }
      return out;
    }),
  };
}

/** A node with its labels (locality) and addresses (NodePort gateways). */
export function slimNode(o: KubernetesObject): V1Node {
  const n = o as V1Node;
  const m = n.metadata ?? {};
  return {
    metadata: { name: m.name, resourceVersion: m.resourceVersion, ...(m.labels ? { labels: m.labels } : {}) },
    ...(n.status?.addresses ? { status: { addresses: n.status.addresses } } : {}),
  };
}

/** Service annotations Horizon acts on; the rest (last-applied-configuration, often kilobytes) is dropped. */
const SERVICE_ANNOTATIONS = [NODE_SELECTOR_ANNOTATION];

/** A Service with what toServiceInfo reads: identity, labels, the annotations above, ports, addresses. */
export function slimService(o: KubernetesObject, intern: Interner): V1Service {
  const s = o as V1Service;
  const m = s.metadata ?? {};
  const spec = s.spec ?? {};
  const kept = SERVICE_ANNOTATIONS.filter((a) => m.annotations?.[a] !== undefined);
  const ingress = s.status?.loadBalancer?.ingress;
  return {
    metadata: {
      name: m.name,
      namespace: intern.get(m.namespace),
      resourceVersion: m.resourceVersion,
      ...(m.labels ? { labels: m.labels } : {}),
      ...(kept.length > 0 ? { annotations: Object.fromEntries(kept.map((a) => [a, m.annotations![a]!])) } : {}),
    },
    spec: {
      ...(spec.type !== undefined ? { type: intern.get(spec.type) } : {}),
      ...(spec.clusterIP !== undefined ? { clusterIP: spec.clusterIP } : {}),
      ...(spec.clusterIPs ? { clusterIPs: spec.clusterIPs } : {}),
      ...(spec.externalIPs ? { externalIPs: spec.externalIPs } : {}),
      ...(spec.ports
        ? {
            ports: spec.ports.map((p) => ({
              port: p.port,
              ...(p.name !== undefined ? { name: intern.get(p.name) } : {}),
              ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
              ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
              ...(p.protocol !== undefined ? { protocol: intern.get(p.protocol) } : {}),
              ...(p.appProtocol !== undefined ? { appProtocol: intern.get(p.appProtocol) } : {}),
            })),
          }
        : {}),
    },
    ...(ingress ? { status: { loadBalancer: { ingress: ingress.map((i) => ({ ...(i.ip ? { ip: i.ip } : {}), ...(i.hostname ? { hostname: i.hostname } : {}) })) } } } : {}),
  };
}
