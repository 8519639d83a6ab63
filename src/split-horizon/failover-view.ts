// The caller facts that change a locality-aware answer, and only those: the "failover view". The xDS layer
// caches one assignment per (resource, network view, failover view key), so two callers with equal keys
// must get identical assignments, and callers should share keys wherever the answer is the same:
// - locality load balancing off: nothing (key '');
// - distribute: which rule's `from` the caller matches (`d<index>`, `d-1` for none);
// - failover: the caller's locality when region/zone/subzone ordering applies, and per failoverPriority
//   entry the value endpoints are compared with (the caller's label, or the entry's own `key=value`).
//
// The caller's labels are istiod's proxy labels: node metadata LABELS, with the topology keys filled in
// from what the caller says about itself (pilot setTopologyLabels / AugmentLabels). Endpoints get the
// same treatment from what the registry knows about them, so both sides of a comparison mean the same.
//
// Where Horizon differs from istiod, doing what the API docs say: a `key=value` entry overrides that entry
// only (istiod looks overrides up by key, so [network, network=n3] compares both entries with n3), and
// failoverPriority applies to a caller without labels too (istiod skips it then, `key=value` entries included).
import { CLUSTER_LABEL, HOSTNAME_LABEL, ISTIO_LOCALITY_LABEL, NETWORK_LABEL, REGION_LABEL, SUBZONE_LABEL, ZONE_LABEL } from '../model/labels.js';
import { localityFromIstioLocality, localityMatches } from '../model/locality.js';
import type { ClusterId, Locality, NetworkId } from '../model/types.js';
import type { LocalityLbPolicy } from './locality-lb-policy.js';

/** Who an endpoint or a caller is, as far as failoverPriority keys can ask. */
export interface TopologyFacts {
  labels?: Readonly<Record<string, string>>;
  locality: Locality;
  network: NetworkId;
  cluster: ClusterId;
  nodeName?: string;
}

/** What an xDS client says about itself (node locality and metadata NETWORK, CLUSTER_ID, LABELS, NODE_NAME). */
export interface CallerFacts {
  network: NetworkId;
  cluster: ClusterId;
  /** Node.locality. */
  locality: Locality;
  labels: Readonly<Record<string, string>>;
  nodeName?: string;
}

export interface FailoverView {
  /** Cache key part: equal keys, equal answers (for the same policy). '' when the answer does not depend on the caller. */
  key: string;
  /** The caller's locality, when region/zone/subzone ordering applies. */
  locality?: Locality;
  /** Per failoverPriority entry, the value endpoints must carry to match it. */
  values?: readonly string[];
  /** distribute: index of the rule whose `from` matches the caller, -1 when none does. */
  distributeRule?: number;
}

export const NO_FAILOVER_VIEW: FailoverView = Object.freeze({ key: '' });

/**
 * A label of an endpoint or caller, with the topology keys filled in as istiod fills them: region, zone and
 * subzone from the locality, the cluster ID and node name when known; the network from the label when it
 * has one (a pod's own label wins), else the known network.
 */
export function topologyLabel(facts: TopologyFacts, key: string): string {
  const own = facts.labels?.[key] ?? '';
  switch (key) {
    case REGION_LABEL:
      return facts.locality.region || own;
    case ZONE_LABEL:
      return facts.locality.zone || own;
    case SUBZONE_LABEL:
      return facts.locality.subzone || own;
    case CLUSTER_LABEL:
      return facts.cluster || own;
    case HOSTNAME_LABEL:
      return facts.nodeName || own;
    case NETWORK_LABEL:
      return own || facts.network;
    default:
      return own;
  }
}

/**
 * The caller's locality as istiod takes it: from its region/zone/subzone labels when it has any, else from
 * its `istio-locality` label, else the node locality it sent.
 */
export function callerLocality(caller: CallerFacts): Locality {
  const l = caller.labels;
  if (l[REGION_LABEL] !== undefined || l[ZONE_LABEL] !== undefined || l[SUBZONE_LABEL] !== undefined) {
    return { region: l[REGION_LABEL] ?? '', zone: l[ZONE_LABEL] ?? '', subzone: l[SUBZONE_LABEL] ?? '' };
  }
  const override = l[ISTIO_LOCALITY_LABEL];
  if (override) return localityFromIstioLocality(override);
  return caller.locality;
}

const enc = encodeURIComponent;

export function failoverView(caller: CallerFacts, policy: LocalityLbPolicy): FailoverView {
  if (policy.mode === 'off') return NO_FAILOVER_VIEW;
  const locality = callerLocality(caller);
  if (policy.mode === 'distribute') {
    const distributeRule = policy.rules.findIndex((r) => localityMatches(r.fromSegments, locality));
    return { key: `d${distributeRule}`, distributeRule };
  }
  const view: FailoverView = { key: '' };
  let key = 'f';
  if (policy.localityRanks) {
    // A copy: the view is a value of its own, not an alias of the caller's object.
    view.locality = { region: locality.region, zone: locality.zone, subzone: locality.subzone };
    key += `|${enc(locality.region)}/${enc(locality.zone)}/${enc(locality.subzone)}`;
  }
  if (policy.failoverPriority.length > 0) {
    const facts: TopologyFacts = { ...caller, locality };
    const values = policy.failoverPriority.map((k) => k.value ?? topologyLabel(facts, k.key));
    view.values = values;
    key += `|${values.map(enc).join(',')}`;
  }
  view.key = key;
  return view;
}

/** The part of an assignment's cache key that a caller's locality and labels add under this policy. */
export function failoverViewKey(caller: CallerFacts, policy: LocalityLbPolicy): string {
  return failoverView(caller, policy).key;
}
