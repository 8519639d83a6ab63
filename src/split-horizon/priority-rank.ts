// An endpoint's failover rank for one caller (lower is preferred), istiod's numbering (pilot
// applyFailoverPriorities, applyLocalityFailover), so that ranks compare and compose the same way:
// - failoverPriority with N entries: matching all of them ranks 0; matching the first j and not entry j
//   ranks N - j. When the first entry is the bare network key, another network does not end the
//   comparison: it adds N, so other networks come after the caller's and are ordered by the remaining
//   entries among themselves (istio/istio#60829);
// - region/zone/subzone against the caller: same subzone 0, same zone 1, same region 2, another region 3,
//   or 4 when `failover` names a region for the caller's and this is not it;
// - both: failoverPriority rank * 5 + locality rank.
// Ranks are later renumbered to contiguous priorities over the levels that are actually sent.
import { localityText } from '../model/locality.js';
import { topologyLabel, type FailoverView, type TopologyFacts } from './failover-view.js';
import type { LocalityLbPolicy } from './locality-lb-policy.js';

export type FailoverPolicy = Extract<LocalityLbPolicy, { mode: 'failover' }>;

/** Why a rank: what failoverPriority matched and where the locality stands. For the debug API. */
export interface PriorityReason {
  why: string;
  failoverPriority?: { matched: readonly string[]; differs?: string; otherNetwork?: boolean };
  locality?: 'same-subzone' | 'same-zone' | 'same-region' | 'other-region' | 'failover-region' | 'not-failover-region';
}

const LOCALITY_RANKS = 5;

/** The rank function for one (policy, view): the per-caller parts are worked out once. */
export function failoverRanker(policy: FailoverPolicy, view: FailoverView): (ep: TopologyFacts) => number {
  const keys = policy.failoverPriority;
  const n = keys.length;
  const values = view.values ?? [];
  const caller = view.locality;
  const failoverTo = caller ? policy.failover.find((f) => f.from === caller.region)?.to : undefined;

  const priorityRank = (ep: TopologyFacts): number => {
    let adjust = 0;
    for (let j = 0; j < n; j++) {
      if (values[j] === topologyLabel(ep, keys[j]!.key)) continue;
      if (j === 0 && policy.networkFirst) {
        adjust = n;
        continue;
      }
      return adjust + n - j;
    }
    return adjust;
  };
  if (!policy.localityRanks || !caller) return priorityRank;

  const localityRank = (ep: TopologyFacts): number => {
    const l = ep.locality;
    if (l.region === caller.region) return l.zone !== caller.zone ? 2 : l.subzone !== caller.subzone ? 1 : 0;
    return failoverTo !== undefined && l.region !== failoverTo ? 4 : 3;
  };
  if (n === 0) return localityRank;
  return (ep) => priorityRank(ep) * LOCALITY_RANKS + localityRank(ep);
}

const LOCALITY_WHY: Record<NonNullable<PriorityReason['locality']>, string> = {
  'same-subzone': 'same region, zone and subzone as the caller',
  'same-zone': 'same region and zone as the caller, another subzone',
  'same-region': 'same region as the caller, another zone',
  'other-region': 'another region',
  'failover-region': 'another region: the failover region of the caller',
  'not-failover-region': 'another region, not the failover region of the caller',
};

export function describeRank(rank: number, policy: FailoverPolicy, view: FailoverView): PriorityReason {
  const parts: string[] = [];
  const reason: PriorityReason = { why: '' };
  const keys = policy.failoverPriority;
  const n = keys.length;
  const byLocality = policy.localityRanks && view.locality !== undefined;
  let fp = byLocality && n > 0 ? Math.floor(rank / LOCALITY_RANKS) : rank;
  if (n > 0) {
    const otherNetwork = policy.networkFirst && fp >= n;
    if (otherNetwork) fp -= n;
    const firstChecked = otherNetwork ? 1 : 0;
    const differsAt = fp === 0 ? undefined : n - fp;
    const matched = keys.slice(firstChecked, differsAt ?? n).map((k) => k.text);
    const fpReason: NonNullable<PriorityReason['failoverPriority']> = { matched };
    if (otherNetwork) fpReason.otherNetwork = true;
    if (differsAt !== undefined) fpReason.differs = keys[differsAt]!.text;
    reason.failoverPriority = fpReason;
    const said: string[] = [];
    if (otherNetwork) said.push("on another network than the caller's");
    if (matched.length > 0) said.push(`matches ${matched.join(', ')}`);
    if (differsAt !== undefined) said.push(`differs on ${keys[differsAt]!.text}`);
    parts.push(`failoverPriority: ${said.join('; ') || 'matches'}`);
  }
  if (byLocality) {
    const lr = n > 0 ? rank % LOCALITY_RANKS : rank;
    const hasFailover = policy.failover.some((f) => f.from === view.locality!.region);
    const kind: NonNullable<PriorityReason['locality']> =
      lr === 0 ? 'same-subzone' : lr === 1 ? 'same-zone' : lr === 2 ? 'same-region' : lr === 4 ? 'not-failover-region' : hasFailover ? 'failover-region' : 'other-region';
    reason.locality = kind;
    parts.push(`locality: ${LOCALITY_WHY[kind]} (${localityText(view.locality!) || 'no locality'})`);
  }
  reason.why = parts.join('; ');
  return reason;
}
