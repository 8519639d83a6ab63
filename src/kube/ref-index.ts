// pod (namespace, name) -> the services whose endpoints it backs, so a pod change finds them. Kept per
// namespace with the pod's own name string as key (no "ns/name" string per pod), and a single service
// held as a plain string (the common case), a Set only when a pod backs several.

export class RefIndex {
  private readonly byNamespace = new Map<string, Map<string, string | Set<string>>>();

  add(namespace: string, name: string, ref: string): void {
    let m = this.byNamespace.get(namespace);
    if (!m) this.byNamespace.set(namespace, (m = new Map()));
    const cur = m.get(name);
    if (cur === undefined) m.set(name, ref);
    else if (typeof cur === 'string') {
      if (cur !== ref) m.set(name, new Set([cur, ref]));
    } else cur.add(ref);
  }

  remove(namespace: string, name: string, ref: string): void {
    const m = this.byNamespace.get(namespace);
    const cur = m?.get(name);
    if (cur === undefined) return;
    if (typeof cur === 'string') {
      if (cur === ref) m!.delete(name);
    } else {
      cur.delete(ref);
      if (cur.size === 1) m!.set(name, cur.values().next().value!);
    }
    if (m!.size === 0) this.byNamespace.delete(namespace);
  }

  /** The refs of (namespace, name); empty when none. */
  get(namespace: string, name: string): Iterable<string> {
    const cur = this.byNamespace.get(namespace)?.get(name);
    if (cur === undefined) return [];
    return typeof cur === 'string' ? [cur] : cur;
  }
}
