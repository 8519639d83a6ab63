// The semantics of an emulated cluster's API, shared by the HTTP server and the programmatic helpers:
// create / update / patch / delete with validation, defaulting, resourceVersion checks, status
// subresources, owner-reference garbage collection and graceful pod deletion; and the controllers
// (deployments, services, endpoint slices) that run after every top-level write, or once at the end
// of a batch.
import { randomUUID } from 'node:crypto';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, unsupportedMediaType, type StatusCause } from './api-error.js';
import { deepEqualJson, objectKey, randomSuffix, timestamp, type KObject, type OwnerReference } from './k8s-object.js';
import { LabelSelector } from './label-selector.js';
import { FieldSelector } from './field-selector.js';
import { applyMergePatch, isPlainObject } from './merge-patch.js';
import { applyJsonPatch } from './json-patch.js';
import { applyStrategicMergePatch, patchMetaByKind } from './strategic-merge-patch.js';
import { metadataCauses, nameCauses } from './object-validation.js';
import { ObjectStore, type StoreEvent } from './object-store.js';
import { ResourceRegistry, groupVersion, type ResourceType } from './resource-types.js';
import type { Logger } from '../log.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** What a kind's admission hooks get: the state (read-only use) and whether the write is a dry run. */
export interface AdmissionContext {
  readonly state: ClusterState;
  readonly dryRun: boolean;
}

/** Defaulting, validation and allocation for one kind. Hooks throw ApiError to refuse a write. */
export interface KindHooks {
  create?(obj: KObject, ctx: AdmissionContext): void;
  update?(obj: KObject, old: KObject, ctx: AdmissionContext): void;
  /** After the object left the store for good (release its allocations). */
  removed?(obj: KObject): void;
}

/** A control loop: sees every committed event, then reconciles what it marked dirty. */
export interface Controller {
  readonly name: string;
  observe(event: StoreEvent, type: ResourceType): void;
  /** Does pending work; returns true if it wrote anything (so the loop runs again). */
  reconcile(): boolean;
}

export interface ClusterStateOptions {
  historySize?: number;
  /** Grace period of pod deletions that do not ask for one (seconds). */
  podDeletionGracePeriodSeconds?: number;
  logger: Logger;
}

interface DependentRef {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
}

export class ClusterState {
  readonly registry: ResourceRegistry;
  readonly store: ObjectStore;
  readonly podDeletionGracePeriodSeconds: number;
  private readonly log: Logger;
  private readonly hooks = new Map<ResourceType, KindHooks>();
  private readonly controllers: Controller[] = [];
  private depth = 0;
  private settling = false;
  private readonly dependents = new Map<string, Map<string, DependentRef>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(registry: ResourceRegistry, options: ClusterStateOptions) {
    this.registry = registry;
    this.store = new ObjectStore(registry.types, { historySize: options.historySize });
    this.podDeletionGracePeriodSeconds = options.podDeletionGracePeriodSeconds ?? 0;
    this.log = options.logger;
  }

  setHooks(kind: string, hooks: KindHooks): void {
    this.hooks.set(this.typeOfKind(kind), hooks);
  }

  addController(c: Controller): void {
    this.controllers.push(c);
  }

  /** The resource type of a built-in kind name (the emulator serves each kind in one group). */
  typeOfKind(kind: string): ResourceType {
    const t = this.registry.types.find((x) => x.kind === kind);
    if (!t) throw new Error(`unknown kind ${kind}`);
    return t;
  }

  typeOf(apiVersion: string, kind: string): ResourceType {
    const t = this.registry.byKind(apiVersion, kind);
    if (!t) throw new ApiError(404, 'NotFound', `the server doesn't have a resource type for ${apiVersion} ${kind}`);
    return t;
  }

  // ---------- reads ----------

  tryGet(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    return this.store.collection(type).get(namespace, name);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject {
    const obj = this.tryGet(type, namespace, name);
    if (!obj) throw notFound(type.group, type.resource, name);
    return obj;
  }

  list(type: ResourceType, opts: ListOptions = {}): ListResult {
    const c = this.store.collection(type);
    const labels = opts.labelSelector ?? LabelSelector.everything;
    const fields = opts.fieldSelector ?? FieldSelector.everything;
    const namespace = type.namespaced ? opts.namespace : undefined;
    const match = (o: KObject): boolean => labels.matches(o.metadata.labels) && (fields.empty || fields.matches(o));
    let rv = this.store.resourceVersion;
    let startAfter: string | undefined;
    if (opts.continue) {
      let token: { rv?: unknown; start?: unknown };
      try {
        token = JSON.parse(Buffer.from(opts.continue, 'base64url').toString('utf8'));
      } catch {
        throw badRequest('invalid continue token');
      }
      if (typeof token.rv !== 'number' || typeof token.start !== 'string') throw badRequest('invalid continue token');
      if (token.rv < c.oldestResumableRv) {
        throw new ApiError(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      rv = token.rv;
      startAfter = token.start;
    }
    const pinned = fields.name;
    // Candidates in key order, read lazily: a page of a big collection touches only its own items.
    let count: number;
    let at: (i: number) => KObject;
    if (pinned !== undefined || namespace !== undefined) {
      let candidates: KObject[];
      if (pinned !== undefined) {
        if (type.namespaced && namespace === undefined) candidates = c.list().filter((o) => o.metadata.name === pinned);
        else {
          const one = c.get(namespace, pinned);
          candidates = one ? [one] : [];
        }
      } else {
        candidates = c.list(namespace);
      }
      count = candidates.length;
      at = (i) => candidates[i]!;
    } else {
      const keys = c.keys();
      count = keys.length;
      at = (i) => c.byKey(keys[i]!)!;
    }
    const keyOf = (o: KObject): string => objectKey(type.namespaced ? o.metadata.namespace : undefined, o.metadata.name!);
    let from = 0;
    if (startAfter !== undefined) {
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (keyOf(at(mid)) <= startAfter) lo = mid + 1;
        else hi = mid;
      }
      from = lo;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const items: KObject[] = [];
    let i = from;
    for (; i < count && items.length < limit; i++) {
      const o = at(i);
      if (match(o)) items.push(o);
    }
    const result: ListResult = { items, resourceVersion: String(rv) };
    if (items.length >= limit) {
      const unfiltered = labels.empty && fields.empty;
      let more = 0;
      if (unfiltered) more = count - i;
      else for (let j = i; j < count && more === 0; j++) if (match(at(j))) more = 1;
      if (more > 0) {
        result.continue = Buffer.from(JSON.stringify({ rv, start: keyOf(items[items.length - 1]!) })).toString('base64url');
        if (unfiltered) result.remainingItemCount = more;
      }
    }
    return result;
  }

  // ---------- writes ----------

  /**
   * Runs `fn` with controllers deferred to the end of the outermost call: every write goes through
   * here, and callers use it to load many objects at once.
   */
  batch<T>(fn: () => T): T {
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
      if (this.depth === 0) this.settle();
    }
  }

  create(type: ResourceType, input: unknown, opts: WriteOptions & { namespace?: string } = {}): KObject {
    return this.batch(() => {
      const obj = this.normalizeInput(type, input);
      const meta = obj.metadata;
      if (type.namespaced) {
        if (opts.namespace !== undefined && meta.namespace && meta.namespace !== opts.namespace) {
          throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
        }
        meta.namespace = opts.namespace ?? meta.namespace ?? 'default';
        this.requireNamespace(meta.namespace);
      } else {
        delete meta.namespace;
      }
      if (!meta.name && meta.generateName) meta.name = this.generateName(type, meta.namespace, meta.generateName);
      if (!meta.name) {
        throw invalid(type.kind, type.group, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
      }
      const causes: StatusCause[] = [...nameCauses(type.kind, meta.name), ...metadataCauses(obj)];
      if (causes.length) throw invalid(type.kind, type.group, meta.name, causes);
      if (this.tryGet(type, meta.namespace, meta.name)) throw alreadyExists(type.group, type.resource, meta.name);
      for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields', 'generation']) delete meta[k];
      meta.uid = randomUUID();
      meta.creationTimestamp = timestamp();
      if (this.tracksGeneration(type)) meta.generation = 1;
      this.hooks.get(type)?.create?.(obj, { state: this, dryRun: !!opts.dryRun });
      if (opts.dryRun) return obj;
      return this.commitPut(type, obj);
    });
  }

  update(type: ResourceType, input: unknown, opts: WriteOptions & { namespace?: string; name?: string; subresource?: 'status' } = {}): KObject {
    return this.batch(() => {
      const obj = this.normalizeInput(type, input);
      const namespace = type.namespaced ? (opts.namespace ?? obj.metadata.namespace ?? 'default') : undefined;
      const name = opts.name ?? obj.metadata.name;
      if (!name) throw invalid(type.kind, type.group, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name is required' }]);
      if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
        throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
      }
      if (type.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      const old = this.get(type, namespace, name);
      const rv = obj.metadata.resourceVersion;
      if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
        throw conflict(type.group, type.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      obj.metadata.name = name;
      if (namespace !== undefined) obj.metadata.namespace = namespace;
      return this.replace(type, old, obj, opts.subresource, !!opts.dryRun);
    });
  }

  patch(type: ResourceType, namespace: string | undefined, name: string, patchType: PatchType, patch: unknown, opts: WriteOptions & { subresource?: 'status' } = {}): KObject {
    return this.batch(() => {
      const ns = type.namespaced ? (namespace ?? 'default') : undefined;
      const old = this.tryGet(type, ns, name);
      if (!old) {
        if (patchType === 'apply' && isPlainObject(patch)) {
          // Server-side apply of a new object: create it.
          const body = { ...(patch as Record<string, unknown>) };
          const meta = isPlainObject(body.metadata) ? { ...body.metadata } : {};
          meta.name = name;
          if (ns !== undefined) meta.namespace = ns;
          body.metadata = meta;
          return this.create(type, body, { namespace: ns, dryRun: opts.dryRun });
        }
        throw notFound(type.group, type.resource, name);
      }
      let patched: unknown;
      switch (patchType) {
        case 'json':
          patched = applyJsonPatch(old, patch);
          break;
        case 'merge':
          if (!isPlainObject(patch)) throw badRequest('merge patch must be a JSON object');
          patched = applyMergePatch(old, patch);
          break;
        case 'strategic':
          if (type.custom) throw unsupportedMediaType('application/strategic-merge-patch+json', ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
          patched = applyStrategicMergePatch(old, patch, patchMetaByKind[type.kind]);
          break;
        case 'apply':
          if (!isPlainObject(patch)) throw badRequest('apply patch must be an object');
          patched = type.custom ? applyMergePatch(old, patch) : applyStrategicMergePatch(old, patch, patchMetaByKind[type.kind]);
          break;
      }
      if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) throw badRequest('the patch removed the object metadata');
      const next = patched as KObject;
      if (next.metadata.name !== name || (type.namespaced && next.metadata.namespace !== ns)) {
        throw invalid(type.kind, type.group, name, [{ field: 'metadata.name', message: 'Invalid value: field is immutable' }]);
      }
      const rv = next.metadata.resourceVersion;
      if (rv !== undefined && rv !== old.metadata.resourceVersion) {
        throw conflict(type.group, type.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
      }
      const normalized = this.normalizeInput(type, next);
      return this.replace(type, old, normalized, opts.subresource, !!opts.dryRun);
    });
  }

  /** Deletes an object. Pods with a grace period become terminating first. Returns the object's last state. */
  delete(type: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    return this.batch(() => {
      const ns = type.namespaced ? (namespace ?? 'default') : undefined;
      const old = this.get(type, ns, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid) {
        throw conflict(type.group, type.resource, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
        throw conflict(type.group, type.resource, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
      }
      if (opts.dryRun) return old;
      if (type.kind === 'Pod') {
        const grace = opts.gracePeriodSeconds ?? this.podDeletionGracePeriodSeconds;
        if (grace > 0) {
          if (old.metadata.deletionTimestamp) return old;
          return this.startTermination(type, old, grace);
        }
      }
      return this.remove(type, old, opts.propagationPolicy ?? 'Background');
    });
  }

  /** Stops timers (graceful deletions). The state stays readable. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---------- internals ----------

  private settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      for (let round = 0; round < 1000; round++) {
        let worked = false;
        for (const c of this.controllers) {
          try {
            if (c.reconcile()) worked = true;
          } catch (err) {
            this.log.warn({ err, controller: c.name }, 'controller failed');
          }
        }
        if (!worked) return;
      }
      this.log.error('controllers did not settle after 1000 rounds');
    } finally {
      this.settling = false;
    }
  }

  private tracksGeneration(type: ResourceType): boolean {
    return type.custom || type.kind === 'Deployment';
  }

  private normalizeInput(type: ResourceType, input: unknown): KObject {
    if (!isPlainObject(input)) throw badRequest(`the body of the request must be a ${type.kind} object`);
    const obj = structuredClone(input) as KObject;
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(`the kind of the object (${String(obj.kind)}) does not match the resource (${type.kind})`);
    }
    if (obj.apiVersion !== undefined) {
      const ok = type.versions.some((v) => groupVersion(type.group, v) === obj.apiVersion);
      if (!ok) throw badRequest(`the API version of the object (${String(obj.apiVersion)}) does not match the resource (${groupVersion(type.group, type.versions[0]!)})`);
    }
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isPlainObject(obj.metadata)) throw badRequest('metadata must be an object');
    // Objects are stored in the storage version; other versions are a rewrite of apiVersion on output.
    const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
    return { apiVersion: groupVersion(type.group, type.versions[0]!), kind: type.kind, metadata, ...rest };
  }

  private requireNamespace(ns: string): void {
    const nsType = this.typeOfKind('Namespace');
    const nsObj = this.tryGet(nsType, undefined, ns);
    if (!nsObj) throw notFound('', 'namespaces', ns);
  }

  private generateName(type: ResourceType, namespace: string | undefined, prefix: string): string {
    const base = prefix.length > 58 ? prefix.slice(0, 58) : prefix;
    for (let i = 0; i < 100; i++) {
      const name = base + randomSuffix(5);
      if (!this.tryGet(type, namespace, name)) return name;
    }
    throw new ApiError(409, 'AlreadyExists', `could not generate a unique name for ${base}`);
  }

  /** Replaces `old` by `next` (update or patch), keeping what clients may not change. */
  private replace(type: ResourceType, old: KObject, next: KObject, subresource: 'status' | undefined, dryRun: boolean): KObject {
    let obj: KObject;
    if (subresource === 'status') {
      obj = { ...old, status: next.status };
      if (next.status === undefined) delete obj.status;
    } else {
      obj = next;
      const m = obj.metadata;
      const om = old.metadata;
      m.uid = om.uid;
      m.creationTimestamp = om.creationTimestamp;
      if (om.deletionTimestamp) {
        m.deletionTimestamp = om.deletionTimestamp;
        m.deletionGracePeriodSeconds = om.deletionGracePeriodSeconds;
      } else {
        delete m.deletionTimestamp;
        delete m.deletionGracePeriodSeconds;
      }
      delete m.managedFields;
      delete m.selfLink;
      if (type.subresources.includes('status')) {
        if (old.status === undefined) delete obj.status;
        else obj.status = old.status;
      }
      const causes = metadataCauses(obj);
      if (causes.length) throw invalid(type.kind, type.group, m.name!, causes);
      this.hooks.get(type)?.update?.(obj, old, { state: this, dryRun });
      if (this.tracksGeneration(type)) {
        const g = om.generation ?? 1;
        m.generation = deepEqualJson(obj.spec, old.spec) ? g : g + 1;
      }
    }
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    // Like the real server, a write that changes nothing is not a write: no new resourceVersion, no event.
    if (deepEqualJson(obj, old)) return old;
    if (dryRun) return obj;
    return this.commitPut(type, obj);
  }

  /** Puts an object written by a controller or hook (no admission): used for status updates. */
  commitPut(type: ResourceType, obj: KObject): KObject {
    const rv = this.store.nextResourceVersion();
    obj.metadata = orderedMeta({ ...obj.metadata, resourceVersion: String(rv) });
    const c = this.store.collection(type);
    const previous = c.get(obj.metadata.namespace, obj.metadata.name!);
    this.indexOwners(type, previous, obj);
    const event = c.put(obj, rv);
    for (const ctl of this.controllers) ctl.observe(event, type);
    return obj;
  }

  /** Writes a controller's change to an existing object, skipping it when nothing changed. */
  writeIfChanged(type: ResourceType, old: KObject, next: KObject): KObject {
    return this.batch(() => {
      const candidate = { ...next, metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion } };
      if (deepEqualJson(candidate, old)) return old;
      return this.commitPut(type, candidate);
    });
  }

  /**
   * The objects of `type` whose ownerReferences name `uid` (controller or not), from the owner index
   * garbage collection keeps.
   */
  dependentsOf(uid: string, type: ResourceType): KObject[] {
    const out: KObject[] = [];
    for (const d of this.dependents.get(uid)?.values() ?? []) {
      if (d.type !== type) continue;
      const o = this.tryGet(d.type, d.namespace, d.name);
      if (o) out.push(o);
    }
    return out;
  }

  /** Creates an object on behalf of a controller (full admission, so allocations happen). */
  controllerCreate(type: ResourceType, obj: KObject): KObject {
    return this.create(type, obj, { namespace: obj.metadata.namespace });
  }

  private startTermination(type: ResourceType, old: KObject, grace: number): KObject {
    const when = new Date(Date.now() + grace * 1000);
    const obj: KObject = { ...old, metadata: { ...old.metadata, deletionTimestamp: timestamp(when), deletionGracePeriodSeconds: grace } };
    const committed = this.commitPut(type, obj);
    if (!this.closed) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        const cur = this.tryGet(type, old.metadata.namespace, old.metadata.name!);
        if (cur && cur.metadata.uid === old.metadata.uid) this.batch(() => this.remove(type, cur, 'Background'));
      }, grace * 1000);
      t.unref();
      this.timers.add(t);
    }
    return committed;
  }

  private remove(type: ResourceType, old: KObject, propagation: 'Orphan' | 'Background' | 'Foreground'): KObject {
    if (type.kind === 'Namespace') this.removeNamespaceContents(old.metadata.name!);
    const rv = this.store.nextResourceVersion();
    const last: KObject = { ...old, metadata: { ...old.metadata, resourceVersion: String(rv) } };
    const c = this.store.collection(type);
    const event = c.remove(last, rv);
    if (!event) return old;
    this.indexOwners(type, old, undefined);
    for (const ctl of this.controllers) ctl.observe(event, type);
    this.hooks.get(type)?.removed?.(last);
    if (propagation !== 'Orphan') this.collectDependents(old.metadata.uid!);
    return last;
  }

  private removeNamespaceContents(ns: string): void {
    for (const c of this.store.all()) {
      if (!c.type.namespaced) continue;
      for (const o of c.list(ns)) {
        const cur = c.get(ns, o.metadata.name!);
        if (cur) this.remove(c.type, cur, 'Background');
      }
    }
  }

  private collectDependents(uid: string): void {
    const deps = this.dependents.get(uid);
    if (!deps) return;
    this.dependents.delete(uid);
    for (const d of deps.values()) {
      const cur = this.tryGet(d.type, d.namespace, d.name);
      if (!cur) continue;
      if (d.type.kind === 'Pod' && this.podDeletionGracePeriodSeconds > 0) {
        if (!cur.metadata.deletionTimestamp) this.startTermination(d.type, cur, this.podDeletionGracePeriodSeconds);
      } else {
        this.remove(d.type, cur, 'Background');
      }
    }
  }

  private indexOwners(type: ResourceType, before: KObject | undefined, after: KObject | undefined): void {
    const ownersOf = (o: KObject | undefined): OwnerReference[] => (o && Array.isArray(o.metadata.ownerReferences) ? o.metadata.ownerReferences : []);
    const b = ownersOf(before);
    const a = ownersOf(after);
    if (b.length === 0 && a.length === 0) return;
    const obj = (after ?? before)!;
    const key = `${type.resource}/${objectKey(obj.metadata.namespace, obj.metadata.name!)}`;
    for (const r of b) if (!a.some((x) => x.uid === r.uid)) this.dependents.get(r.uid)?.delete(key);
    for (const r of a) {
      if (typeof r.uid !== 'string') continue;
      let m = this.dependents.get(r.uid);
      if (!m) {
        m = new Map();
        this.dependents.set(r.uid, m);
      }
      m.set(key, { type, namespace: obj.metadata.namespace, name: obj.metadata.name! });
    }
  }
}

const metaOrder = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers'];

/** Metadata with its fields in the order the real server writes them (nicer `-o yaml`). */
function orderedMeta(m: KObject['metadata']): KObject['metadata'] {
  const out: KObject['metadata'] = {};
  // Empty maps and lists are omitted, as Go's omitempty does.
  const keep = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && !(typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
  for (const k of metaOrder) if (keep(m[k])) out[k] = m[k];
  for (const [k, v] of Object.entries(m)) if (!(k in out) && keep(v)) out[k] = v;
  return out;
}
