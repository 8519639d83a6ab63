// Which locality load balancing applies to one cluster, resolved as istiod does (pilot
// GetEffectiveLbSetting and ApplyLocalityLoadBalancer), from the traffic policy in force for that cluster
// (model/traffic-policy.ts) and the mesh-wide default:
// - the DestinationRule's localityLbSetting, when it has one, replaces the mesh's entirely; `enabled:
//   false` in either turns locality load balancing off;
// - `distribute` sets locality weights (always; it needs no outlier detection) and nothing else: no
//   priorities, and failoverPriority is ignored;
// - otherwise priorities are set only when outlierDetection is in force, "or traffic will never fail
//   over": then failoverPriority orders endpoints by labels, and the region/zone/subzone ordering (with
//   `failover` constraining the next region) applies when failoverPriority is empty or `failover` is set
//   too (istio/istio#47068). With the mesh default (`enabled: true`, Istio's default mesh config),
//   outlierDetection alone turns the region/zone/subzone failover on, as Istio's docs say.
import type { LocalityLbSetting, TrafficPolicyFields } from '../model/istio-config.js';
import { NETWORK_LABEL } from '../model/labels.js';
import { localityPatternSegments } from '../model/locality.js';

/** Istio's default mesh config: `localityLbSetting: {enabled: true}`. */
export const ISTIO_DEFAULT_MESH_LOCALITY_LB: LocalityLbSetting = Object.freeze({ enabled: true, distribute: [], failover: [], failoverPriority: [] });

export type LocalityLbSource = 'destinationrule' | 'mesh';

/** One failoverPriority entry: a label key, and the value to compare with when written `key=value`. */
export interface PriorityKey {
  key: string;
  /** The `key=value` form: endpoints are compared with this value instead of the caller's label. */
  value?: string;
  /** The entry as written. */
  text: string;
}

export interface DistributeTarget {
  text: string;
  segments: readonly string[];
  weight: number;
}

export interface DistributeRule {
  from: string;
  fromSegments: readonly string[];
  to: readonly DistributeTarget[];
}

export type LocalityLbPolicy =
  | { mode: 'off'; reason: string }
  | { mode: 'distribute'; source: LocalityLbSource; rules: readonly DistributeRule[] }
  | {
      mode: 'failover';
      source: LocalityLbSource;
      failoverPriority: readonly PriorityKey[];
      /** failoverPriority starts with the bare network key: other networks are ordered after it, not lumped together (istio/istio#60829). */
      networkFirst: boolean;
      /** Region/zone/subzone ordering applies (failoverPriority empty, or failover set with it). */
      localityRanks: boolean;
      failover: readonly { from: string; to: string }[];
    };

export const LOCALITY_LB_OFF: LocalityLbPolicy = Object.freeze({ mode: 'off', reason: 'no locality load balancing configured' });

export function priorityKeys(entries: readonly string[]): PriorityKey[] {
  return entries.map((text) => {
    const eq = text.indexOf('=');
    return eq < 0 ? { key: text, text } : { key: text.slice(0, eq), value: text.slice(eq + 1), text };
  });
}

export function resolveLocalityLb(policy: TrafficPolicyFields | undefined, meshDefault: LocalityLbSetting | undefined): LocalityLbPolicy {
  const own = policy?.loadBalancer?.localityLbSetting;
  const setting = own ?? meshDefault;
  const source: LocalityLbSource = own ? 'destinationrule' : 'mesh';
  if (!setting) return LOCALITY_LB_OFF;
  if (setting.enabled === false) return { mode: 'off', reason: `localityLbSetting.enabled is false in the ${source === 'mesh' ? 'mesh config' : 'DestinationRule'}` };
  if (setting.distribute.length > 0) {
    return {
      mode: 'distribute',
      source,
      rules: setting.distribute.map((d) => ({
        from: d.from,
        fromSegments: localityPatternSegments(d.from),
        to: d.to.map((t) => ({ text: t.locality, segments: localityPatternSegments(t.locality), weight: t.weight })),
      })),
    };
  }
  if (!policy?.outlierDetection) return { mode: 'off', reason: 'failover needs outlierDetection, which this traffic policy does not set' };
  const failoverPriority = priorityKeys(setting.failoverPriority);
  return {
    mode: 'failover',
    source,
    failoverPriority,
    networkFirst: failoverPriority.length > 0 && failoverPriority[0]!.key === NETWORK_LABEL && failoverPriority[0]!.value === undefined,
    localityRanks: failoverPriority.length === 0 || setting.failover.length > 0,
    failover: setting.failover,
  };
}
