// Deployment controller: keeps `spec.replicas` pods of the current template (named
// <deployment>-<pod-template-hash>-<5 chars>), replaces pods of an older template at once (a
// simplified rollout), and writes the Deployment's status. Pods are owned by the Deployment itself
// (the emulator has no ReplicaSets), so deleting it garbage-collects them.
import type { ClusterState, Controller } from './cluster-state.js';
import type { StoreEvent } from './object-store.js';
import type { ResourceType } from './resource-types.js';
import { canonicalJson, deepEqualJson, fnv1a, objectKey, randomSuffix, safeEncode, timestamp, type KObject } from './k8s-object.js';
import { podIsReady } from './pod-admission.js';

const hashLabel = 'pod-template-hash';
const revisionAnnotation = 'deployment.kubernetes.io/revision';

/** A stable hash of a pod template, encoded like Kubernetes' pod-template-hash. */
export function podTemplateHash(template: unknown): string {
  return safeEncode(fnv1a(JSON.stringify(canonicalJson(template))));
}

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  private readonly dirty = new Set<string>();
  /** Deployment uid -> template hash and revision number (deployment.kubernetes.io/revision). */
  private readonly revisions = new Map<string, { hash: string; revision: number }>();

  constructor(private readonly state: ClusterState) {}

  private get deployType(): ResourceType {
    return this.state.typeOfKind('Deployment');
  }

  private get podType(): ResourceType {
    return this.state.typeOfKind('Pod');
  }

  observe(event: StoreEvent, type: ResourceType): void {
    if (type.kind === 'Deployment') {
      this.dirty.add(objectKey(event.object.metadata.namespace, event.object.metadata.name!));
      if (event.type === 'DELETED') this.revisions.delete(event.object.metadata.uid!);
      return;
    }
    if (type.kind !== 'Pod') return;
    const before = ownerOf(event.previous);
    const after = event.type === 'DELETED' ? undefined : ownerOf(event.object);
    for (const o of [before, after]) if (o) this.dirty.add(objectKey(event.object.metadata.namespace, o.name));
  }

  reconcile(): boolean {
    if (this.dirty.size === 0) return false;
    const keys = [...this.dirty];
    this.dirty.clear();
    let worked = false;
    for (const key of keys) {
      const slash = key.indexOf('/');
      const d = this.state.tryGet(this.deployType, key.slice(0, slash), key.slice(slash + 1));
      if (d && this.sync(d)) worked = true;
    }
    return worked;
  }

  /** Pods whose controller is the Deployment (the state's owner index holds every dependent). */
  private ownedPods(d: KObject): KObject[] {
    const uid = d.metadata.uid!;
    return this.state.dependentsOf(uid, this.podType).filter((p) => ownerOf(p)?.uid === uid);
  }

  private sync(d: KObject): boolean {
    if (d.metadata.deletionTimestamp) return false;
    const spec = d.spec as { replicas?: number; template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown }; paused?: boolean };
    const template = spec.template ?? {};
    const hash = podTemplateHash(template);
    const desired = spec.replicas ?? 1;
    let worked = false;
    const active = this.ownedPods(d).filter((p) => !p.metadata.deletionTimestamp);
    const current = active.filter((p) => p.metadata.labels?.[hashLabel] === hash);
    const stale = active.filter((p) => p.metadata.labels?.[hashLabel] !== hash);
    const ns = d.metadata.namespace!;

    for (let i = current.length; i < desired; i++) {
      this.state.controllerCreate(this.podType, this.newPod(d, hash, template));
      worked = true;
    }
    if (current.length > desired) {
      // Remove not-ready pods first, then the newest, like the ReplicaSet controller's ranking.
      const victims = [...current]
        .sort((a, b) => {
          const ra = podIsReady(a) ? 1 : 0;
          const rb = podIsReady(b) ? 1 : 0;
          if (ra !== rb) return ra - rb;
          return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || b.metadata.name!.localeCompare(a.metadata.name!);
        })
        .slice(0, current.length - desired);
      for (const v of victims) this.state.delete(this.podType, ns, v.metadata.name!);
      worked = true;
    }
    for (const s of stale) {
      this.state.delete(this.podType, ns, s.metadata.name!);
      worked = true;
    }
    if (this.writeStatus(d, hash, desired)) worked = true;
    return worked;
  }

  private newPod(d: KObject, hash: string, template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown }): KObject {
    const dname = d.metadata.name!;
    const meta: KObject['metadata'] = {
      name: `${dname}-${hash}-${randomSuffix(5)}`,
      generateName: `${dname}-${hash}-`,
      namespace: d.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [hashLabel]: hash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: dname, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    };
    if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
    return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec: structuredClone(template.spec ?? {}) };
  }

  private writeStatus(d: KObject, hash: string, desired: number): boolean {
    const fresh = this.state.tryGet(this.deployType, d.metadata.namespace, d.metadata.name!);
    if (!fresh) return false;
    const pods = this.ownedPods(fresh).filter((p) => !p.metadata.deletionTimestamp);
    const terminating = this.ownedPods(fresh).length - pods.length;
    const updated = pods.filter((p) => p.metadata.labels?.[hashLabel] === hash).length;
    const ready = pods.filter(podIsReady).length;
    const old = (fresh.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
    const now = timestamp();
    const condition = (type: string, status: string, reason: string, message: string): Record<string, unknown> => {
      const prev = old.conditions?.find((c) => c.type === type);
      const same = prev && prev.status === status && prev.reason === reason;
      return { type, status, lastUpdateTime: same ? prev.lastUpdateTime : now, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now, reason, message };
    };
    const available = ready >= desired;
    const status: Record<string, unknown> = {
      observedGeneration: fresh.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
      ...(terminating > 0 ? { terminatingReplicas: terminating } : {}),
      conditions: [
        condition('Available', available ? 'True' : 'False', available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', available ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.'),
        condition('Progressing', 'True', updated >= desired ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', `ReplicaSet "${fresh.metadata.name}-${hash}" ${updated >= desired ? 'has successfully progressed' : 'is progressing'}.`),
      ],
    };
    for (const k of ['replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas']) if (status[k] === 0) delete status[k];
    const annotations = { ...(fresh.metadata.annotations ?? {}) };
    const seen = this.revisions.get(fresh.metadata.uid!);
    if (!seen || seen.hash !== hash) {
      const revision = (seen?.revision ?? Number(annotations[revisionAnnotation] ?? '0')) + 1;
      this.revisions.set(fresh.metadata.uid!, { hash, revision });
    }
    annotations[revisionAnnotation] = String(this.revisions.get(fresh.metadata.uid!)!.revision);
    const next: KObject = { ...fresh, metadata: { ...fresh.metadata, annotations }, status };
    if (deepEqualJson(next.status, fresh.status) && deepEqualJson(annotations, fresh.metadata.annotations)) return false;
    return this.state.writeIfChanged(this.deployType, fresh, next) !== fresh;
  }
}

function ownerOf(pod: KObject | undefined): { uid: string; name: string } | undefined {
  const r = pod?.metadata.ownerReferences?.find((o) => o.kind === 'Deployment' && o.controller);
  return r ? { uid: r.uid, name: r.name } : undefined;
}
