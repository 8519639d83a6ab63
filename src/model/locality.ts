// Locality strings as Istio writes them: `region/zone/subzone` in DestinationRules (with a terminal `*`
// wildcard in patterns), `region.zone.subzone` in the `istio-locality` label (label values cannot hold '/').
import type { Locality } from './types.js';

/** The `istio-locality` label's value (`.` or `/` separated) as a locality. */
export function localityFromIstioLocality(value: string): Locality {
  const [region = '', zone = '', subzone = ''] = value.split(/[./]/);
  return { region, zone, subzone };
}

/** `region/zone/subzone` without empty trailing parts, for messages and debug output. */
export function localityText(l: Locality): string {
  if (l.subzone !== '') return `${l.region}/${l.zone}/${l.subzone}`;
  if (l.zone !== '') return `${l.region}/${l.zone}`;
  return l.region;
}

/**
 * A locality pattern as literal segments, region first: a missing segment (or a terminal `*`) matches
 * anything, so `us-west` and `us-west/*` both become ['us-west'], and `*` becomes [].
 * Total: call it on validated text (validateLocalityPattern) to get the meaning Istio gives it.
 */
export function localityPatternSegments(pattern: string): readonly string[] {
  const parts = pattern.split('/');
  if (parts[parts.length - 1] === '*') parts.pop();
  return parts.slice(0, 3);
}

/** Istio's LocalityMatch: each given segment equals the locality's (region, zone, subzone in turn). */
export function localityMatches(segments: readonly string[], l: Locality): boolean {
  const n = segments.length;
  return (n < 1 || segments[0] === l.region) && (n < 2 || segments[1] === l.zone) && (n < 3 || segments[2] === l.subzone);
}

/** Two patterns overlap when some locality matches both: one's segments are a prefix of the other's. */
export function localityPatternsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Why a locality pattern is invalid, or undefined. Istio's rules (at most one `*`, at the end; no empty
 * part), made exact: the `*` must be a whole segment (`us-*` would silently match only a region named
 * "us-*"), and at most three segments.
 */
export function validateLocalityPattern(pattern: string): string | undefined {
  if (pattern === '') return 'must not be empty';
  const parts = pattern.split('/');
  if (parts.length > 3) return `${JSON.stringify(pattern)} has more than region/zone/subzone`;
  if (parts.some((p) => p === '')) return `${JSON.stringify(pattern)} must not contain an empty region, zone or subzone`;
  const stars = parts.filter((p) => p.includes('*'));
  if (stars.length > 1 || (stars.length === 1 && parts[parts.length - 1] !== '*')) {
    return `${JSON.stringify(pattern)}: the wildcard '*' may only be the whole last segment`;
  }
  return undefined;
}
