// type -> host -> name -> subscribers, and the wildcard subscribers of each type: a change to a host
// touches only the streams that asked for one of its names (plus wildcard subscribers), never a scan of
// every connection's subscriptions. "Host" is whatever the provider files a name under (its hostOf; the
// name itself when it has none), as the subscriber's node means the name: a one-label listener name is a
// different service for callers in different namespaces, and each is filed under its own.

interface TypeIndex<S> {
  byHost: Map<string, Map<string, Set<S>>>;
  wildcard: Set<S>;
  /** Distinct (host, name) pairs, for metrics. */
  names: number;
}

export class SubscriptionIndex<S> {
  private readonly byType = new Map<string, TypeIndex<S>>();

  private entry(typeUrl: string): TypeIndex<S> {
    let e = this.byType.get(typeUrl);
    if (!e) this.byType.set(typeUrl, (e = { byHost: new Map(), wildcard: new Set(), names: 0 }));
    return e;
  }

  add(typeUrl: string, host: string, name: string, subscriber: S): void {
    const e = this.entry(typeUrl);
    let byName = e.byHost.get(host);
    if (!byName) e.byHost.set(host, (byName = new Map()));
    let set = byName.get(name);
    if (!set) {
      byName.set(name, (set = new Set()));
      e.names++;
    }
    set.add(subscriber);
  }

  remove(typeUrl: string, host: string, name: string, subscriber: S): void {
    const e = this.byType.get(typeUrl);
    const byName = e?.byHost.get(host);
    const set = byName?.get(name);
    if (!set) return;
    set.delete(subscriber);
    if (set.size > 0) return;
    byName!.delete(name);
    e!.names--;
    if (byName!.size === 0) e!.byHost.delete(host);
  }

  setWildcard(typeUrl: string, subscriber: S, on: boolean): void {
    if (on) this.entry(typeUrl).wildcard.add(subscriber);
    else this.byType.get(typeUrl)?.wildcard.delete(subscriber);
  }

  /**
   * Calls onNamed(subscriber, name) for every subscriber of a name of each of `hosts`, and
   * onWildcard(subscriber) once for every wildcard subscriber of the type (any change may concern it).
   */
  forEachAffected(typeUrl: string, hosts: Iterable<string>, onNamed: (subscriber: S, name: string) => void, onWildcard: (subscriber: S) => void): void {
    const e = this.byType.get(typeUrl);
    if (!e) return;
    for (const host of hosts) {
      const byName = e.byHost.get(host);
      if (byName) for (const [name, set] of byName) for (const s of set) onNamed(s, name);
    }
    for (const s of e.wildcard) onWildcard(s);
  }

  /** The names of `host` some stream subscribes to (as that stream's node means them). */
  namesOf(typeUrl: string, host: string): string[] {
    return [...(this.byType.get(typeUrl)?.byHost.get(host)?.keys() ?? [])];
  }

  /** Number of distinct subscribed names of a type (for metrics). */
  nameCount(typeUrl: string): number {
    return this.byType.get(typeUrl)?.names ?? 0;
  }
}
