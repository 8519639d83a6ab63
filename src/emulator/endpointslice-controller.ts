// EndpointSlice controller: for every Service with a selector, slices named <service>-<5 chars> that
// list the selected pods (address, ready / serving / terminating, node, zone, targetRef) with the
// service's ports resolved against each pod's container ports; at most 100 endpoints per slice.
// Endpoints stay in the slice they are in; only slices whose content changed are written.
import type { ClusterState, Controller } from './cluster-state.js';
import type { StoreEvent } from './object-store.js';
import type { ResourceType } from './resource-types.js';
import { objectKey, randomSuffix, type KObject } from './k8s-object.js';
import { podIsReady } from './pod-admission.js';
import { SERVICE_NAME_LABEL, ZONE_LABEL } from '../model/labels.js';

export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';
export const maxEndpointsPerSlice = 100;

interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

interface Endpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  nodeName?: string;
  zone?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

type Selector = Readonly<Record<string, string>>;

/** Map<namespace, Map<"key=value", Set<name>>>: finds objects by one label pair. */
class PairIndex {
  private readonly m = new Map<string, Map<string, Set<string>>>();

  add(ns: string, pairs: Iterable<string>, name: string): void {
    let byPair = this.m.get(ns);
    if (!byPair) {
      byPair = new Map();
      this.m.set(ns, byPair);
    }
    for (const p of pairs) {
      let s = byPair.get(p);
      if (!s) {
        s = new Set();
        byPair.set(p, s);
      }
      s.add(name);
    }
  }

  remove(ns: string, pairs: Iterable<string>, name: string): void {
    const byPair = this.m.get(ns);
    if (!byPair) return;
    for (const p of pairs) {
      const s = byPair.get(p);
      if (!s) continue;
      s.delete(name);
      if (s.size === 0) byPair.delete(p);
    }
    if (byPair.size === 0) this.m.delete(ns);
  }

  get(ns: string, pair: string): ReadonlySet<string> {
    return this.m.get(ns)?.get(pair) ?? new Set();
  }
}

const pairsOf = (labels: Selector | undefined): string[] => Object.entries(labels ?? {}).map(([k, v]) => `${k}=${v}`);

function selectorOf(svc: KObject | undefined): Selector | undefined {
  const spec = svc?.spec as { selector?: Selector; type?: string } | undefined;
  if (!spec || spec.type === 'ExternalName' || !spec.selector || Object.keys(spec.selector).length === 0) return undefined;
  return spec.selector;
}

function selects(selector: Selector, labels: Selector | undefined): boolean {
  if (!labels) return false;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

export class EndpointSliceController implements Controller {
  readonly name = 'endpointslice';
  private readonly dirty = new Set<string>();
  private readonly podsByPair = new PairIndex();
  /** Each service with a selector is indexed under one of its pairs (the first, sorted). */
  private readonly servicesByPair = new PairIndex();
  /** "ns/service" -> names of the slices this controller manages for it. */
  private readonly slicesByService = new Map<string, Set<string>>();

  constructor(private readonly state: ClusterState) {}

  private t(kind: string): ResourceType {
    return this.state.typeOfKind(kind);
  }

  observe(event: StoreEvent, type: ResourceType): void {
    const o = event.object;
    const ns = o.metadata.namespace ?? '';
    switch (type.kind) {
      case 'Service': {
        const before = selectorOf(event.previous);
        const after = event.type === 'DELETED' ? undefined : selectorOf(o);
        if (before) this.servicesByPair.remove(ns, [indexPair(before)], o.metadata.name!);
        if (after) this.servicesByPair.add(ns, [indexPair(after)], o.metadata.name!);
        this.dirty.add(objectKey(ns, o.metadata.name!));
        break;
      }
      case 'Pod': {
        const before = event.previous?.metadata.labels;
        const after = event.type === 'DELETED' ? undefined : o.metadata.labels;
        if (event.previous) this.podsByPair.remove(ns, pairsOf(before), o.metadata.name!);
        if (event.type !== 'DELETED') this.podsByPair.add(ns, pairsOf(after), o.metadata.name!);
        for (const svc of this.servicesFor(ns, before)) this.dirty.add(objectKey(ns, svc));
        for (const svc of this.servicesFor(ns, after)) this.dirty.add(objectKey(ns, svc));
        break;
      }
      case 'Node':
        // Zones come from node labels: a changed node can change any slice.
        if (event.type !== 'MODIFIED' || JSON.stringify(event.previous?.metadata.labels) !== JSON.stringify(o.metadata.labels)) {
          for (const s of this.state.list(this.t('Service')).items) if (selectorOf(s)) this.dirty.add(objectKey(s.metadata.namespace, s.metadata.name!));
        }
        break;
      case 'EndpointSlice': {
        const svcBefore = managedService(event.previous);
        const svcAfter = event.type === 'DELETED' ? undefined : managedService(o);
        if (svcBefore && svcBefore !== svcAfter) this.slicesByService.get(objectKey(ns, svcBefore))?.delete(o.metadata.name!);
        if (svcAfter) {
          const k = objectKey(ns, svcAfter);
          let s = this.slicesByService.get(k);
          if (!s) {
            s = new Set();
            this.slicesByService.set(k, s);
          }
          s.add(o.metadata.name!);
        }
        // Someone else edited or deleted one of our slices: put it right.
        for (const svc of [svcBefore, svcAfter]) if (svc) this.dirty.add(objectKey(ns, svc));
        break;
      }
    }
  }

  private servicesFor(ns: string, labels: Selector | undefined): string[] {
    if (!labels) return [];
    const out: string[] = [];
    const svcType = this.t('Service');
    for (const pair of pairsOf(labels)) {
      for (const name of this.servicesByPair.get(ns, pair)) {
        const sel = selectorOf(this.state.tryGet(svcType, ns, name));
        if (sel && selects(sel, labels)) out.push(name);
      }
    }
    return out;
  }

  reconcile(): boolean {
    if (this.dirty.size === 0) return false;
    const keys = [...this.dirty];
    this.dirty.clear();
    const zones = this.nodeZones();
    let worked = false;
    for (const key of keys) {
      const slash = key.indexOf('/');
      if (this.syncService(key.slice(0, slash), key.slice(slash + 1), zones)) worked = true;
    }
    return worked;
  }

  private nodeZones(): Map<string, string> {
    const m = new Map<string, string>();
    for (const n of this.state.store.collection(this.t('Node')).values()) {
      const z = n.metadata.labels?.[ZONE_LABEL];
      if (z) m.set(n.metadata.name!, z);
    }
    return m;
  }

  private selectPods(ns: string, selector: Selector): KObject[] {
    const pairs = pairsOf(selector);
    let smallest: ReadonlySet<string> | undefined;
    for (const p of pairs) {
      const s = this.podsByPair.get(ns, p);
      if (!smallest || s.size < smallest.size) smallest = s;
    }
    const podType = this.t('Pod');
    const out: KObject[] = [];
    for (const name of smallest ?? []) {
      const pod = this.state.tryGet(podType, ns, name);
      if (pod && selects(selector, pod.metadata.labels)) out.push(pod);
    }
    return out.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  }

  private syncService(ns: string, name: string, zones: Map<string, string>): boolean {
    const sliceType = this.t('EndpointSlice');
    const svc = this.state.tryGet(this.t('Service'), ns, name);
    const selector = selectorOf(svc);
    const existing = [...(this.slicesByService.get(objectKey(ns, name)) ?? [])]
      .sort()
      .map((n) => this.state.tryGet(sliceType, ns, n))
      .filter((s): s is KObject => s !== undefined);
    if (!svc || !selector) {
      for (const s of existing) this.state.delete(sliceType, ns, s.metadata.name!);
      return existing.length > 0;
    }
    const spec = svc.spec as { ports?: Array<{ name?: string; port: number; protocol?: string; targetPort?: number | string; appProtocol?: string }>; publishNotReadyAddresses?: boolean; clusterIP?: string };

    // Desired endpoints, grouped by their resolved port set.
    const groups = new Map<string, { ports: SlicePort[]; endpoints: Map<string, Endpoint> }>();
    for (const pod of this.selectPods(ns, selector)) {
      const status = (pod.status ?? {}) as { podIP?: string; phase?: string };
      if (!status.podIP || status.phase === 'Succeeded' || status.phase === 'Failed') continue;
      const podSpec = (pod.spec ?? {}) as { nodeName?: string; containers?: Array<{ ports?: Array<{ name?: string; containerPort: number; protocol?: string }> }> };
      const ports: SlicePort[] = [];
      for (const sp of spec.ports ?? []) {
        const protocol = sp.protocol ?? 'TCP';
        const target = sp.targetPort ?? sp.port;
        let port: number | undefined;
        if (typeof target === 'number') port = target;
        else if (/^\d+$/.test(target)) port = Number(target);
        else {
          for (const c of podSpec.containers ?? []) {
            const found = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
            if (found) {
              port = found.containerPort;
              break;
            }
          }
        }
        if (port === undefined) continue;
        const entry: SlicePort = { name: sp.name ?? '', port, protocol };
        if (sp.appProtocol) entry.appProtocol = sp.appProtocol;
        ports.push(entry);
      }
      const terminating = !!pod.metadata.deletionTimestamp;
      const podReady = podIsReady(pod);
      const ready = spec.publishNotReadyAddresses ? true : podReady && !terminating;
      const endpoint: Endpoint = {
        addresses: [status.podIP],
        conditions: { ready, serving: spec.publishNotReadyAddresses ? true : podReady, terminating },
        ...(podSpec.nodeName ? { nodeName: podSpec.nodeName } : {}),
        ...(podSpec.nodeName && zones.has(podSpec.nodeName) ? { zone: zones.get(podSpec.nodeName)! } : {}),
        targetRef: { kind: 'Pod', namespace: ns, name: pod.metadata.name!, uid: pod.metadata.uid! },
      };
      const sig = JSON.stringify(ports);
      let g = groups.get(sig);
      if (!g) {
        g = { ports, endpoints: new Map() };
        groups.set(sig, g);
      }
      g.endpoints.set(pod.metadata.uid!, endpoint);
    }

    // Place endpoints: keep each in its current slice, fill free room, then open new slices.
    const plan = new Map<string, { slice: KObject | undefined; ports: SlicePort[]; endpoints: Endpoint[] }>();
    const sigOf = (s: KObject): string => JSON.stringify(((s.ports as SlicePort[] | undefined) ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) })));
    for (const s of existing) plan.set(s.metadata.name!, { slice: s, ports: (s.ports as SlicePort[] | undefined) ?? [], endpoints: [] });
    for (const [sig, g] of groups) {
      const remaining = new Map(g.endpoints);
      const mine = existing.filter((s) => sigOf(s) === sig);
      for (const s of mine) {
        const p = plan.get(s.metadata.name!)!;
        p.ports = g.ports;
        for (const e of (s.endpoints as Endpoint[] | undefined) ?? []) {
          const uid = e.targetRef?.uid;
          const want = uid !== undefined ? remaining.get(uid) : undefined;
          if (want && p.endpoints.length < maxEndpointsPerSlice) {
            p.endpoints.push(want);
            remaining.delete(uid!);
          }
        }
      }
      const rest = [...remaining.values()];
      for (const s of mine) {
        const p = plan.get(s.metadata.name!)!;
        while (rest.length > 0 && p.endpoints.length < maxEndpointsPerSlice) p.endpoints.push(rest.shift()!);
      }
      while (rest.length > 0) {
        const newName = this.freshSliceName(ns, name, plan);
        plan.set(newName, { slice: undefined, ports: g.ports, endpoints: rest.splice(0, maxEndpointsPerSlice) });
      }
    }
    // Slices left empty go away, except one placeholder when the service has no endpoints at all.
    const total = [...plan.values()].reduce((n, p) => n + p.endpoints.length, 0);
    let keptPlaceholder = false;
    let worked = false;
    for (const [sliceName, p] of plan) {
      if (p.endpoints.length === 0) {
        if (total === 0 && !keptPlaceholder) {
          keptPlaceholder = true;
          p.ports = [];
        } else {
          if (p.slice) {
            this.state.delete(sliceType, ns, sliceName);
            worked = true;
          }
          continue;
        }
      }
      const desired = this.sliceObject(svc, sliceName, p.ports, p.endpoints, p.slice);
      if (p.slice) {
        if (this.state.writeIfChanged(sliceType, p.slice, desired) !== p.slice) worked = true;
      } else {
        this.state.create(sliceType, desired, { namespace: ns });
        worked = true;
      }
    }
    if (plan.size === 0) {
      this.state.create(sliceType, this.sliceObject(svc, this.freshSliceName(ns, name, plan), [], [], undefined), { namespace: ns });
      worked = true;
    }
    return worked;
  }

  private freshSliceName(ns: string, svcName: string, plan: Map<string, unknown>): string {
    const prefix = `${svcName.length > 57 ? svcName.slice(0, 57) : svcName}-`;
    const sliceType = this.t('EndpointSlice');
    for (;;) {
      const n = prefix + randomSuffix(5);
      if (!plan.has(n) && !this.state.tryGet(sliceType, ns, n)) return n;
    }
  }

  private sliceObject(svc: KObject, name: string, ports: SlicePort[], endpoints: Endpoint[], current: KObject | undefined): KObject {
    const svcName = svc.metadata.name!;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) {
      if (k !== SERVICE_NAME_LABEL && k !== managedByLabel && k !== 'service.kubernetes.io/headless') labels[k] = v;
    }
    labels[SERVICE_NAME_LABEL] = svcName;
    labels[managedByLabel] = controllerName;
    if ((svc.spec as { clusterIP?: string }).clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
    const metadata: KObject['metadata'] = current
      ? { ...current.metadata, labels }
      : {
          name,
          generateName: `${svcName}-`,
          namespace: svc.metadata.namespace,
          labels,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svcName, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        };
    if (current) {
      metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Service', name: svcName, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }];
    }
    return { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata, addressType: 'IPv4', endpoints, ports };
  }
}

function indexPair(selector: Selector): string {
  const k = Object.keys(selector).sort()[0]!;
  return `${k}=${selector[k]}`;
}

function managedService(slice: KObject | undefined): string | undefined {
  const l = slice?.metadata.labels;
  if (!l || l[managedByLabel] !== controllerName) return undefined;
  return l[SERVICE_NAME_LABEL];
}
