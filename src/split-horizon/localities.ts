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

/** Accumulates the region and zone a set of localities all share ('' where they differ). */
export class SharedRegionZone {
  private region: string | undefined;
  private zone: string | undefined;
  private regionShared = true;
  private zoneShared = true;

  add(l: { region: string; zone: string }): void {
    if (this.region === undefined) {
      this.region = l.region;
      this.zone = l.zone;
      return;
    }
    if (l.region !== this.region) this.regionShared = false;
    if (l.zone !== this.zone) this.zoneShared = false;
  }

  /** Folds another accumulator in (its shared values stand for all of its localities). */
  merge(other: SharedRegionZone): void {
    if (other.region === undefined) return;
    if (this.region === undefined) {
      Object.assign(this, { region: other.region, zone: other.zone, regionShared: other.regionShared, zoneShared: other.zoneShared });
      return;
    }
    this.add({ region: other.region, zone: other.zone! });
    this.regionShared &&= other.regionShared;
    this.zoneShared &&= other.zoneShared;
  }

  result(): { region: string; zone: string } {
    if (this.region === undefined || !this.regionShared) return { region: '', zone: '' };
    return { region: this.region, zone: this.zoneShared ? this.zone! : '' };
  }
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
