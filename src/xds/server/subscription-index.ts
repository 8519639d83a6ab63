// name -> subscribers, per type: a change to one resource touches only the streams that asked for it
// (plus wildcard subscribers), never a scan of every connection's subscriptions.

export class SubscriptionIndex<S> {
  private readonly byType = new Map<string, { byName: Map<string, Set<S>>; wildcard: Set<S> }>();

  private entry(typeUrl: string) {
    let e = this.byType.get(typeUrl);
    if (!e) this.byType.set(typeUrl, (e = { byName: new Map(), wildcard: new Set() }));
    return e;
  }

  add(typeUrl: string, name: string, subscriber: S): void {
    const byName = this.entry(typeUrl).byName;
    let set = byName.get(name);
    if (!set) byName.set(name, (set = new Set()));
    set.add(subscriber);
  }

  remove(typeUrl: string, name: string, subscriber: S): void {
    const byName = this.byType.get(typeUrl)?.byName;
    const set = byName?.get(name);
    if (!set) return;
    set.delete(subscriber);
    if (set.size === 0) byName!.delete(name);
  }

  setWildcard(typeUrl: string, subscriber: S, on: boolean): void {
    if (on) this.entry(typeUrl).wildcard.add(subscriber);
    else this.byType.get(typeUrl)?.wildcard.delete(subscriber);
  }

  /** Calls visit(subscriber, name) for every subscriber of each name, wildcard subscribers included. */
  forEachAffected(typeUrl: string, names: Iterable<string>, visit: (subscriber: S, name: string) => void): void {
    const e = this.byType.get(typeUrl);
    if (!e) return;
    for (const name of names) {
      const set = e.byName.get(name);
      if (set) for (const s of set) visit(s, name);
      for (const s of e.wildcard) visit(s, name);
    }
  }

  /** Number of distinct subscribed names of a type (for metrics). */
  nameCount(typeUrl: string): number {
    return this.byType.get(typeUrl)?.byName.size ?? 0;
  }
}
