// Encoded resources by (type, variant, name), each filed under the host it is about so a change marks
// exactly that host's entries stale. Found by nested maps on strings whose hashes are already computed
// (the type URL constants, the node's view key, the subscribed name) rather than a key built per lookup:
// every stream of a push looks up here. A stale entry keeps what its name means (the parsed target), so
// regenerating after a change parses nothing and looks the service up by the same host string, whose
// hash is computed once (S1's small assignments measured 5-10% slower without that). lru-cache keeps the
// byte bound and the eviction order (oldest made first: a hit does not reorder, so the hot path stays
// map lookups); an entry that leaves it leaves the maps with it. Keys come from clients (names, view
// keys from node metadata), so the bound holds whatever they ask: entries for names that do not exist
// are cached too (asking again costs nothing) and count like any other.
import { LRUCache } from 'lru-cache';
import type { Hostname } from '../../model/types.js';
import type { EncodedResource } from '../codec/any.js';
import type { NameTarget } from './resource-types/index.js';

export interface CacheEntry {
  readonly typeUrl: string;
  readonly variant: string;
  readonly name: string;
  /** What the name means (its host among it). */
  readonly target: NameTarget;
  /** undefined: the resource does not exist. */
  resource: EncodedResource | undefined;
  /** False once a change of its host made it stale: regenerate before use. */
  fresh: boolean;
}

/** What an entry is taken to cost besides its bytes (the entry, its map slots and strings). */
const ENTRY_OVERHEAD = 256;

export interface ResourceCacheSizes {
  entries: number;
  /** Entries a change made stale, waiting to be regenerated or evicted. */
  stale: number;
  bytes: number;
  hosts: number;
  /** (type, variant) pairs with entries: variants of EDS are network views that clients pick. */
  variants: number;
}

export class ResourceCache {
  private readonly byType = new Map<string, Map<string, Map<string, CacheEntry>>>();
  private readonly byHost = new Map<Hostname, Set<CacheEntry>>();
  /** entry -> its size (a new size on regeneration is a new value, so lru-cache re-measures it). */
  private readonly lru: LRUCache<CacheEntry, number>;
  private stale = 0;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<CacheEntry, number>({
      maxSize: maxBytes,
      sizeCalculation: (size) => size,
      dispose: (_size, e, reason) => {
        // 'set' is the same entry re-measured after a regeneration: it stays.
        if (reason !== 'set') this.unlink(e);
      },
    });
  }

  /** The entry, fresh or stale. */
  get(typeUrl: string, variant: string, name: string): CacheEntry | undefined {
    return this.byType.get(typeUrl)?.get(variant)?.get(name);
  }

  /** A new entry. */
  add(typeUrl: string, variant: string, name: string, target: NameTarget, resource: EncodedResource | undefined): void {
    const entry: CacheEntry = { typeUrl, variant, name, target, resource, fresh: true };
    let byVariant = this.byType.get(typeUrl);
    if (!byVariant) this.byType.set(typeUrl, (byVariant = new Map()));
    let byName = byVariant.get(variant);
    if (!byName) byVariant.set(variant, (byName = new Map()));
    const old = byName.get(name);
    if (old) this.lru.delete(old);
    byName.set(name, entry);
    let ofHost = this.byHost.get(target.host);
    if (!ofHost) this.byHost.set(target.host, (ofHost = new Set()));
    ofHost.add(entry);
    this.remember(entry);
  }

  /** A stale entry regenerated. */
  refresh(entry: CacheEntry, resource: EncodedResource | undefined): void {
    if (!entry.fresh) this.stale--;
    entry.resource = resource;
    entry.fresh = true;
    this.remember(entry);
  }

  /** Marks a host's entries (of one type, or all) stale. */
  invalidateHost(host: Hostname, typeUrl?: string): void {
    const entries = this.byHost.get(host);
    if (!entries) return;
    for (const e of entries) {
      if (!e.fresh || (typeUrl !== undefined && e.typeUrl !== typeUrl)) continue;
      e.fresh = false;
      this.stale++;
    }
  }

  clear(): void {
    this.byType.clear();
    this.byHost.clear();
    this.lru.clear();
    this.stale = 0;
  }

  sizes(): ResourceCacheSizes {
    let variants = 0;
    for (const byVariant of this.byType.values()) variants += byVariant.size;
    return { entries: this.lru.size, stale: this.stale, bytes: this.lru.calculatedSize, hosts: this.byHost.size, variants };
  }

  /** (Re)measures an entry in the LRU; lru-cache refuses one bigger than the whole cache without disposing it. */
  private remember(entry: CacheEntry): void {
    this.lru.set(entry, ENTRY_OVERHEAD + (entry.resource?.any.length ?? 0));
    if (!this.lru.has(entry)) this.unlink(entry);
  }

  private unlink(e: CacheEntry): void {
    const byVariant = this.byType.get(e.typeUrl);
    const byName = byVariant?.get(e.variant);
    if (byName?.get(e.name) === e) {
      byName.delete(e.name);
      // Variants come from client metadata (free text): an empty one must not stay behind.
      if (byName.size === 0) byVariant!.delete(e.variant);
    }
    const ofHost = this.byHost.get(e.target.host);
    if (ofHost?.delete(e)) {
      if (!e.fresh) this.stale--;
      if (ofHost.size === 0) this.byHost.delete(e.target.host);
    }
  }
}
