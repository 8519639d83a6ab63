// Which names each load-generator stream subscribes to, worked out the same way in every process:
// every stream takes the `hot` names plus a window of `perStream` names of the pool, windows starting at
// scattered offsets so each pool name has about streams * perStream / pool subscribers. And as whom:
// a bare node (id + NETWORK), or a sidecar as istio-agent presents one, which istiod requires.
import { sidecarNodeInput } from '../../src/peers/ads-assignments.js';
import type { NodeInput } from '../../src/xds/codec/requests.js';

/** `plain`: id and NETWORK only (Horizon needs no more); `sidecar`: Envoy's node as istio-agent writes it. */
export type NodeShape = 'plain' | 'sidecar';

/** The Istio version sidecar-shaped callers report. */
export const CALLER_ISTIO_VERSION = '1.31.0';

export interface SubscriptionPlan {
  /** Streams over all load processes. */
  streams: number;
  typeUrl: string;
  /** Subscribed by every stream. */
  hot: readonly string[];
  pool: readonly string[];
  perStream: number;
  /** Stream i is on networks[i % networks.length] (and, as a sidecar, in that network's first cluster). */
  networks: readonly string[];
}

/** The node stream `i` of the plan presents. Its pod does not exist: the address is outside every pod CIDR. */
export function callerNode(plan: SubscriptionPlan, i: number, shape: NodeShape): NodeInput {
  const n = i % plan.networks.length;
  const network = plan.networks[n]!;
  if (shape === 'plain') return { id: `load-${i}`, metadata: { NETWORK: network, NAMESPACE: 'bench-0' } };
  return sidecarNodeInput({
    network,
    clusterId: `cluster${n + 1}`,
    namespace: 'bench-0',
    ip: `100.100.${(i >> 8) & 255}.${i & 255}`,
    name: `load-${i}`,
    istioVersion: CALLER_ISTIO_VERSION,
  });
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

