// Which names each load-generator stream subscribes to, worked out the same way in every process:
// every stream takes the `hot` names plus a window of `perStream` names of the pool, windows starting at
// scattered offsets so each pool name has about streams * perStream / pool subscribers.

export interface SubscriptionPlan {
  /** Streams over all load processes. */
  streams: number;
  typeUrl: string;
  /** Subscribed by every stream. */
  hot: readonly string[];
  pool: readonly string[];
  perStream: number;
  /** Stream i is on networks[i % networks.length]. */
  networks: readonly string[];
}

export function namesOfStream(plan: SubscriptionPlan, i: number): string[] {
  const out = [...plan.hot];
  const n = plan.pool.length;
  if (n === 0) return out;
  const offset = (i * 7919) % n;
  const k = Math.min(plan.perStream, n);
  for (let j = 0; j < k; j++) {
    const name = plan.pool[(offset + j) % n]!;
    if (!plan.hot.includes(name)) out.push(name);
  }
  return out;
}

