// The object store of one emulated cluster: one collection per resource type, one resourceVersion
// counter for the whole cluster (like etcd), O(1) get and put by key, a per-namespace index, and a
// bounded history of change events per collection from which watches resume. Each object's JSON is
// produced at most once per served version and shared by get, list and every watcher.
import type { ResourceType } from './resource-types.js';
import { groupVersion } from './resource-types.js';
import { objectKey, type KObject } from './k8s-object.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One committed change. `previous` is the object before the change (MODIFIED, DELETED). */
export interface StoreEvent {
  readonly type: EventType;
  readonly rv: number;
  readonly object: KObject;
  readonly previous: KObject | undefined;
}

/** Something that receives a collection's events as they are committed (a watch stream). */
export interface EventSink {
  deliver(event: StoreEvent): void;
}

/** Serializes objects once per version and keeps the text for as long as the object lives. */
export class JsonCache {
  private readonly storage = new WeakMap<KObject, string>();
  private readonly other = new WeakMap<KObject, Map<string, string>>();
  private readonly metadataOnly = new WeakMap<KObject, string>();

  /** The object as a PartialObjectMetadata (what metadata-only lists and watches carry). */
  metadataJson(obj: KObject): string {
    let s = this.metadataOnly.get(obj);
    if (s === undefined) {
      s = `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(obj.metadata)}}`;
      this.metadataOnly.set(obj, s);
    }
    return s;
  }

  /** The object in the given form: itself (in `version`) or its metadata only. */
  formJson(obj: KObject, type: ResourceType, version: string, form: 'object' | 'metadata'): string {
    return form === 'metadata' ? this.metadataJson(obj) : this.json(obj, type, version);
  }

  /** The object's JSON as served in `version` of its type (apiVersion rewritten for non-storage versions). */
  json(obj: KObject, type: ResourceType, version: string): string {
    if (version === type.versions[0]) {
      let s = this.storage.get(obj);
      if (s === undefined) {
        s = JSON.stringify(obj);
        this.storage.set(obj, s);
      }
      return s;
    }
    let m = this.other.get(obj);
    if (!m) {
      m = new Map();
      this.other.set(obj, m);
    }
    let s = m.get(version);
    if (s === undefined) {
      s = JSON.stringify({ ...obj, apiVersion: groupVersion(type.group, version) });
      m.set(version, s);
    }
    return s;
  }
}

export class Collection {
  readonly type: ResourceType;
  private readonly items = new Map<string, KObject>();
  private readonly namespaces = new Map<string, Map<string, KObject>>();
  private sortedKeys: string[] | undefined;
  /** Namespace -> its object names sorted, cached like sortedKeys until one is added or removed there. */
  private readonly sortedNames = new Map<string, string[]>();
  private readonly history: Array<StoreEvent | undefined>;
  private historyHead = 0;
  private historyCount = 0;
  /** Events with rv greater than this are all in the history; older resumes get 410 Gone. */
  private historyFloor: number;
  readonly sinks = new Set<EventSink>();

  constructor(type: ResourceType, historySize: number, currentRv: number) {
    this.type = type;
    this.history = new Array(Math.max(1, historySize));
    this.historyFloor = currentRv;
  }

  get size(): number {
    return this.items.size;
  }

  get(namespace: string | undefined, name: string): KObject | undefined {
    return this.items.get(objectKey(this.type.namespaced ? namespace : undefined, name));
  }

  /** The object stored under a key of keys(). */
  byKey(key: string): KObject | undefined {
    return this.items.get(key);
  }

  /** Objects of one namespace (or all when namespace is undefined), in key order. */
  list(namespace?: string): KObject[] {
    if (namespace !== undefined && this.type.namespaced) {
      const m = this.namespaces.get(namespace);
      if (!m) return [];
      let names = this.sortedNames.get(namespace);
      if (!names) {
        names = [...m.keys()].sort();
        this.sortedNames.set(namespace, names);
      }
      return names.map((n) => m.get(n)!);
    }
    return this.keys().map((k) => this.items.get(k)!);
  }

  /** Unordered iteration, for controllers that do not need list order. */
  values(namespace?: string): IterableIterator<KObject> {
    if (namespace !== undefined && this.type.namespaced) {
      return (this.namespaces.get(namespace) ?? new Map<string, KObject>()).values();
    }
    return this.items.values();
  }

  /** Sorted keys, cached until an object is added or removed. */
  keys(): string[] {
    if (!this.sortedKeys) this.sortedKeys = [...this.items.keys()].sort();
    return this.sortedKeys;
  }

  /** Stores the object (already carrying its new resourceVersion) and records the event. */
  put(obj: KObject, rv: number): StoreEvent {
    const ns = this.type.namespaced ? (obj.metadata.namespace ?? '') : undefined;
    const key = objectKey(ns, obj.metadata.name!);
    const previous = this.items.get(key);
    this.items.set(key, obj);
    if (!previous) {
      this.sortedKeys = undefined;
      if (ns !== undefined) {
        let m = this.namespaces.get(ns);
        if (!m) {
          m = new Map();
          this.namespaces.set(ns, m);
        }
        m.set(obj.metadata.name!, obj);
        this.sortedNames.delete(ns);
      }
    } else if (ns !== undefined) {
      this.namespaces.get(ns)!.set(obj.metadata.name!, obj);
    }
    return this.record({ type: previous ? 'MODIFIED' : 'ADDED', rv, object: obj, previous });
  }

  /** Removes the object; `last` is its final state (with the deletion's resourceVersion). */
  remove(last: KObject, rv: number): StoreEvent | undefined {
    const ns = this.type.namespaced ? (last.metadata.namespace ?? '') : undefined;
    const key = objectKey(ns, last.metadata.name!);
    const previous = this.items.get(key);
    if (!previous) return undefined;
    this.items.delete(key);
    this.sortedKeys = undefined;
    if (ns !== undefined) {
      const m = this.namespaces.get(ns)!;
      m.delete(last.metadata.name!);
      this.sortedNames.delete(ns);
      if (m.size === 0) this.namespaces.delete(ns);
    }
    return this.record({ type: 'DELETED', rv, object: last, previous });
  }

  private record(event: StoreEvent): StoreEvent {
    const cap = this.history.length;
    const slot = (this.historyHead + this.historyCount) % cap;
    if (this.historyCount === cap) {
      // The oldest event falls out: resuming from before it is no longer possible.
      this.historyFloor = this.history[this.historyHead]!.rv;
      this.history[this.historyHead] = event;
      this.historyHead = (this.historyHead + 1) % cap;
    } else {
      this.history[slot] = event;
      this.historyCount++;
    }
    for (const sink of this.sinks) sink.deliver(event);
    return event;
  }

  /** Events after `rv`, oldest first; undefined when `rv` is older than the kept history (410 Gone). */
  eventsSince(rv: number): StoreEvent[] | undefined {
    if (rv < this.historyFloor) return undefined;
    const out: StoreEvent[] = [];
    const cap = this.history.length;
    for (let i = 0; i < this.historyCount; i++) {
      const e = this.history[(this.historyHead + i) % cap]!;
      if (e.rv > rv) out.push(e);
    }
    return out;
  }

  get oldestResumableRv(): number {
    return this.historyFloor;
  }

  /** Forgets the history: a watch from any resourceVersion older than `rv` now gets 410 Gone. */
  compact(rv: number): void {
    this.history.fill(undefined);
    this.historyHead = 0;
    this.historyCount = 0;
    this.historyFloor = rv;
  }
}

export interface ObjectStoreOptions {
  /** Events kept per resource type for watch resumption. */
  historySize?: number;
}

export class ObjectStore {
  private rvCounter = 0;
  readonly json = new JsonCache();
  private readonly collections = new Map<ResourceType, Collection>();
  private readonly historySize: number;

  constructor(types: readonly ResourceType[], options: ObjectStoreOptions = {}) {
    this.historySize = options.historySize ?? 10000;
    for (const t of types) this.collections.set(t, new Collection(t, this.historySize, 0));
  }

  get resourceVersion(): number {
    return this.rvCounter;
  }

  nextResourceVersion(): number {
    return ++this.rvCounter;
  }

  collection(type: ResourceType): Collection {
    const c = this.collections.get(type);
    if (!c) throw new Error(`no collection for ${type.resource}`);
    return c;
  }

  all(): IterableIterator<Collection> {
    return this.collections.values();
  }

  compactHistory(): void {
    for (const c of this.collections.values()) c.compact(this.rvCounter);
  }
}
