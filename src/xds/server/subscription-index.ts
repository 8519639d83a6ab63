// Per type: name -> subscribers, host -> subscribed names, and the wildcard subscribers. A change to a
// host touches only the streams that asked for one of its names (plus wildcard subscribers), never a scan
// of every connection's subscriptions. A name's host comes from the provider (hostOf) once, when the
// first stream subscribes to it, and is kept while anyone does: a reconnect storm of 1000 streams x 100
// names asks for 100 hosts, not 100,000.

interface TypeIndex<S> {
  /** name -> its subscribers (the lookup every subscribe and unsubscribe makes, so nothing in between). */
  byName: Map<string, Set<S>>;
  /** name -> its host, for the names that have one (no resource can have the others: never pushed). */
  hostOfName: Map<string, string>;
  byHost: Map<string, Set<string>>;
  wildcard: Set<S>;
}

export class SubscriptionIndex<S> {
  private readonly byType = new Map<string, TypeIndex<S>>();

  /** @param hostOf which host a name is about (the same for every subscriber: see XdsResourceProvider.hostOf) */
  constructor(private readonly hostOf: (typeUrl: string, name: string) => string | undefined) {}

  private entry(typeUrl: string): TypeIndex<S> {
    let e = this.byType.get(typeUrl);
    if (!e) this.byType.set(typeUrl, (e = { byName: new Map(), hostOfName: new Map(), byHost: new Map(), wildcard: new Set() }));
    return e;
  }

  add(typeUrl: string, name: string, subscriber: S): void {
    const e = this.entry(typeUrl);
    let set = e.byName.get(name);
    if (!set) {
      e.byName.set(name, (set = new Set()));
      const host = this.hostOf(typeUrl, name);
      if (host !== undefined) {
        e.hostOfName.set(name, host);
        let names = e.byHost.get(host);
        if (!names) e.byHost.set(host, (names = new Set()));
        names.add(name);
      }
    }
    set.add(subscriber);
  }

  remove(typeUrl: string, name: string, subscriber: S): void {
    const e = this.byType.get(typeUrl);
    const set = e?.byName.get(name);
    if (!set) return;
    set.delete(subscriber);
    if (set.size > 0) return;
    e!.byName.delete(name);
    const host = e!.hostOfName.get(name);
    if (host === undefined) return;
    e!.hostOfName.delete(name);
    const names = e!.byHost.get(host)!;
    names.delete(name);
    if (names.size === 0) e!.byHost.delete(host);
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
      const names = e.byHost.get(host);
      if (!names) continue;
      for (const name of names) for (const s of e.byName.get(name)!) onNamed(s, name);
    }
    for (const s of e.wildcard) onWildcard(s);
  }

  /** The names of `host` some stream subscribes to. */
  namesOf(typeUrl: string, host: string): string[] {
    return [...(this.byType.get(typeUrl)?.byHost.get(host) ?? [])];
  }

  /** Number of distinct subscribed names of a type (for metrics). */
  nameCount(typeUrl: string): number {
    return this.byType.get(typeUrl)?.byName.size ?? 0;
  }
}
