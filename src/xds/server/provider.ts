// The seam between "what each client should get" (implemented elsewhere: generators + caches) and
// "how it reaches the client" (this server). The server never encodes a resource itself.
import type { EncodedResource } from '../codec/any.js';
import type { XdsNode } from '../xds-node.js';

export type { EncodedResource } from '../codec/any.js';

export interface XdsResourceProvider {
  /**
   * Current resources of `typeUrl` visible to `node`. `names` undefined = wildcard (everything of the
   * type); otherwise only those names; names that do not exist are simply absent from the result.
   * Called once per (connection, type) that a push or request touches, so it should answer from a
   * cache keyed by (resource, node.viewKey): 1000 connections with 2 views should cost 2 encodes.
   * Must not throw; if it does, the server logs it and sends nothing for that type on that connection.
   */
  resources(typeUrl: string, node: XdsNode, names: ReadonlySet<string> | undefined): EncodedResource[];
  /**
   * The host a name is about, the same for every client (a name whose meaning depends on the client, like
   * a one-label listener name, gets a host that the pushes of every service it may mean include). Pushes
   * name hosts (PushRequest.changes), and the server's subscription index finds a host's subscribed
   * names by it. undefined: no resource can ever have that name (never pushed). Without hostOf, every
   * name is its own host. Called once per distinct subscribed name: pure.
   */
  hostOf?(typeUrl: string, name: string): string | undefined;
}

/** What changed, so the server can work out who needs a response. */
export interface PushRequest {
  /** Recompute every type for every connection (e.g. a gateway or topology change). */
  full?: boolean;
  /**
   * typeUrl -> hosts whose resources of that type changed, appeared or disappeared (hosts as the
   * provider's hostOf gives them; for a provider without hostOf, resource names).
   */
  changes?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Free text for logs and debug output, e.g. "endpoints of helloworld.sample changed". */
  reason?: string;
  /** When the oldest change behind this push was observed (ms since epoch), for event-to-send latency. */
  since?: number;
}

/** A push request its owner grows in place (the push coalescer's pending request). */
export interface MutablePushRequest {
  full?: boolean;
  changes?: Map<string, Set<string>>;
  reason?: string;
  since?: number;
}

/**
 * Merges b into target in place, in time linear in b (not in what target has accumulated). Target's
 * maps and sets are its own: b's are only read.
 */
export function mergeInto(target: MutablePushRequest, b: PushRequest): void {
  const since = minDefined(target.since, b.since);
  if (since !== undefined) target.since = since;
  const reason = joinReasons(target.reason, b.reason);
  if (reason) target.reason = reason;
  if (target.full || b.full) {
    target.full = true;
    delete target.changes;
    return;
  }
  const changes = (target.changes ??= new Map());
  for (const [typeUrl, hosts] of b.changes ?? []) {
    let set = changes.get(typeUrl);
    if (!set) changes.set(typeUrl, (set = new Set()));
    for (const h of hosts) set.add(h);
  }
}

/** Merges a and b into a new request (neither is changed). */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  const out: MutablePushRequest = {};
  mergeInto(out, a);
  mergeInto(out, b);
  return out;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function joinReasons(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b || a === b) return a;
  // Bounded: a long burst keeps the first reasons and a count, not every one.
  return a.length > 200 ? (a.endsWith('...') ? a : `${a}; ...`) : `${a}; ${b}`;
}
