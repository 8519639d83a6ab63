// The seam between "what each client should get" (implemented elsewhere: generators + caches) and
// "how it reaches the client" (this server). The server never encodes a resource itself.
import type { EncodedResource } from '../codec/any.js';
import type { NodeInfo } from '../node-info.js';

export type { EncodedResource } from '../codec/any.js';

export interface XdsResourceProvider {
  /**
   * Current resources of `typeUrl` visible to `node`. `names` undefined = wildcard (everything of the
   * type); otherwise only those names; names that do not exist are simply absent from the result.
   * Called once per (connection, type) that a push or request touches, so it should answer from a
   * cache keyed by (resource, node.viewKey): 1000 connections with 2 views should cost 2 encodes.
   * Must not throw; if it does, the server logs it and sends nothing for that type on that connection.
   */
  resources(typeUrl: string, node: NodeInfo, names: ReadonlySet<string> | undefined): EncodedResource[];
}

/** What changed, so the server can work out who needs a response. */
export interface PushRequest {
  /** Recompute every type for every connection (e.g. a gateway or topology change). */
  full?: boolean;
  /** typeUrl -> names of resources that changed, appeared or disappeared. */
  changes?: ReadonlyMap<string, ReadonlySet<string>>;
  /** Free text for logs and debug output, e.g. "endpoints of helloworld.sample changed". */
  reason?: string;
  /** When the oldest change behind this push was observed (ms since epoch), for event-to-send latency. */
  since?: number;
}

/** Merges b into a (returns a new request). Used by the push coalescer. */
export function mergePushRequests(a: PushRequest, b: PushRequest): PushRequest {
  const since = minDefined(a.since, b.since);
  const sinceField = since !== undefined ? { since } : {};
  if (a.full || b.full) {
    const reason = joinReasons(a.reason, b.reason);
    return { full: true, ...(reason ? { reason } : {}), ...sinceField };
  }
  const changes = new Map<string, Set<string>>();
  for (const req of [a, b]) {
    for (const [typeUrl, names] of req.changes ?? []) {
      let set = changes.get(typeUrl);
      if (!set) changes.set(typeUrl, (set = new Set()));
      for (const n of names) set.add(n);
    }
  }
  const reason = joinReasons(a.reason, b.reason);
  return { changes, ...(reason ? { reason } : {}), ...sinceField };
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
