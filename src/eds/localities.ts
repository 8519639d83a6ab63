// Localities of the plan's groups.
//
// Direct groups carry their pods' locality. A gateway group needs one too, and it must differ from
// every other group's: proxyless gRPC keys locality groups by value, so two equal ones collide.
// Chosen rule: region (and zone) of the endpoints the gateways stand for when those endpoints all share
// it, '' otherwise; subzone `gateway.<network>` (one group per network, `~2`, `~3`... appended in the
// rare cases that need more or collide with a pod locality).
// Why: istiod places a gateway inside the locality group of the remote endpoints it replaces, so
// locality-aware load balancing and failover treat it like those pods (a gateway to a network in the
// caller's region counts as "same region"). Keeping their region/zone keeps that meaning; the subzone
// marks the group as a gateway and makes it unique (no real subzone of a pod looks like it unless
// someone names one so, and then the suffix still separates them). Using only shared values keeps it
// deterministic and never claims a zone the traffic may not go to.
import type { Locality } from '../model/types.js';

export function localityKey(l: Locality): string {
  return `${l.region}\u0000${l.zone}\u0000${l.subzone}`;
}

export function compareLocality(a: Locality, b: Locality): number {
  return a.region < b.region ? -1 : a.region > b.region ? 1 : a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : a.subzone < b.subzone ? -1 : a.subzone > b.subzone ? 1 : 0;
}

/** Region and zone the given localities all share ('' where they differ). */
export function commonRegionZone(localities: Iterable<Locality>): { region: string; zone: string } {
  let region: string | undefined;
  let zone: string | undefined;
  let regionShared = true;
  let zoneShared = true;
  for (const l of localities) {
    if (region === undefined) {
      region = l.region;
      zone = l.zone;
      continue;
    }
    if (l.region !== region) regionShared = false;
    if (l.zone !== zone) zoneShared = false;
  }
  if (region === undefined || !regionShared) return { region: '', zone: '' };
  return { region, zone: zoneShared ? zone! : '' };
}

/** A locality not yet in `taken` (which it then joins): the wanted one, or its subzone with `~2`, `~3`... */
export function claimUniqueLocality(wanted: Locality, taken: Set<string>): Locality {
  let candidate = wanted;
  for (let n = 2; taken.has(localityKey(candidate)); n++) {
    candidate = { region: wanted.region, zone: wanted.zone, subzone: `${wanted.subzone}~${n}` };
  }
  taken.add(localityKey(candidate));
  return candidate;
}

export function gatewaySubzone(network: string): string {
  return `gateway.${network}`;
}
