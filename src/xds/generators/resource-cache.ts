// Encoded resources by (type, variant, name), each filed under the host it is about so a change drops
// exactly that host's entries. Found by nested maps on strings whose hashes are already computed (the
// type URL constants, the node's view key, the subscribed name) rather than a key built per lookup: every
// stream of a push looks up here. lru-cache keeps the byte bound and the eviction order (oldest made
// first: a hit does not reorder, so the hot path stays map lookups); an entry that leaves it leaves the
// maps with it. Keys come from clients (names, view keys from node metadata), so
// the bound holds whatever they ask: entries for names that do not exist are cached too (asking again
// costs nothing) and count like any other.
import { LRUCache } from 'lru-cache';
import type { Hostname } from '../../model/types.js';
import type { EncodedResource } from '../codec/any.js';

export interface CacheEntry {
  readonly typeUrl: string;
  readonly variant: string;
  readonly name: string;
  readonly host: Hostname;
  /** undefined: the resource does not exist. */
  readonly resource: EncodedResource | undefined;
}

/** What an entry is taken to cost besides its bytes (the entry, its map slots and strings). */
const ENTRY_OVERHEAD = 256;

export interface ResourceCacheSizes {
  entries: number;
  bytes: number;
  hosts: number;
  /** (type, variant) pairs with entries: variants of EDS are network views that clients pick. */
  variants: number;
}

export class ResourceCache {
  private readonly byType = new Map<string, Map<string, Map<string, CacheEntry>>>();
  private readonly byHost = new Map<Hostname, Set<CacheEntry>>();
  private readonly lru: LRUCache<CacheEntry, true>;

  constructor(maxBytes: number) {
    this.lru = new LRUCache<CacheEntry, true>({
      maxSize: maxBytes,
      sizeCalculation: (_v, e) => ENTRY_OVERHEAD + (e.resource?.any.length ?? 0),
      dispose: (_v, e) => this.unlink(e),
    });
  }

  get(typeUrl: string, variant: string, name: string): CacheEntry | undefined {
    return this.byType.get(typeUrl)?.get(variant)?.get(name);
  }

  set(typeUrl: string, variant: string, name: string, host: Hostname, resource: EncodedResource | undefined): void {
    const old = this.get(typeUrl, variant, name);
    if (old) this.lru.delete(old);
    const entry: CacheEntry = { typeUrl, variant, name, host, resource };
    let byVariant = this.byType.get(typeUrl);
    if (!byVariant) this.byType.set(typeUrl, (byVariant = new Map()));
    let byName = byVariant.get(variant);
    if (!byName) byVariant.set(variant, (byName = new Map()));
    byName.set(name, entry);
    let ofHost = this.byHost.get(host);
    if (!ofHost) this.byHost.set(host, (ofHost = new Set()));
    ofHost.add(entry);
    this.lru.set(entry, true);
    // lru-cache refuses an entry bigger than the whole cache without disposing it.
    if (!this.lru.has(entry)) this.unlink(entry);
  }

  /** Drops a host's entries (of one type, or all). */
  dropHost(host: Hostname, typeUrl?: string): void {
    const entries = this.byHost.get(host);
    if (!entries) return;
    for (const e of [...entries]) if (typeUrl === undefined || e.typeUrl === typeUrl) this.lru.delete(e);
  }

  clear(): void {
    this.byType.clear();
    this.byHost.clear();
    this.lru.clear();
  }

  sizes(): ResourceCacheSizes {
    let variants = 0;
    for (const byVariant of this.byType.values()) variants += byVariant.size;
    return { entries: this.lru.size, bytes: this.lru.calculatedSize, hosts: this.byHost.size, variants };
  }

  private unlink(e: CacheEntry): void {
    const byVariant = this.byType.get(e.typeUrl);
    const byName = byVariant?.get(e.variant);
    if (byName?.get(e.name) === e) {
      byName.delete(e.name);
      // Variants come from client metadata (free text): an empty one must not stay behind.
      if (byName.size === 0) byVariant!.delete(e.variant);
    }
    const ofHost = this.byHost.get(e.host);
    if (ofHost?.delete(e) && ofHost.size === 0) this.byHost.delete(e.host);
  }
}
