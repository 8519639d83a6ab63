// What Horizon keeps of the objects it watches (informer transforms). A large cluster's pods and
// EndpointSlices dominate Horizon's memory, so only the fields the conversions read are kept, and the
// strings that repeat across thousands of objects (namespaces, node names, zones, condition sets) are
// shared instead of held once per object as JSON.parse produces them.
import type { KubernetesObject, V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import { SERVICE_NAME_LABEL } from '../model/labels.js';

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
