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

  /**
   * Calls onNamed(subscriber, name) for every subscriber of each of `names`, and onWildcard(subscriber)
   * once for every wildcard subscriber of the type (it is affected by all of them).
   */
  forEachAffected(typeUrl: string, names: Iterable<string>, onNamed: (subscriber: S, name: string) => void, onWildcard: (subscriber: S) => void): void {
    const e = this.byType.get(typeUrl);
    if (!e) return;
    for (const name of names) {
      const set = e.byName.get(name);
      if (set) for (const s of set) onNamed(s, name);
    }
    for (const s of e.wildcard) onWildcard(s);
  }

  /** Number of distinct subscribed names of a type (for metrics). */
  nameCount(typeUrl: string): number {
    return this.byType.get(typeUrl)?.byName.size ?? 0;
  }
}
