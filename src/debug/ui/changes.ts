// What changed in a running Horizon, as the web view needs to know it: which debug JSON to fetch again.
// Horizon announces raw changes (one per mesh, cluster, Secret or xDS event); the event stream merges
// them over a short window so a burst (a cluster syncing, a rollout) costs the page one refetch.
import type { DebugChange, DebugSource } from '../source.js';

/** Listens to a running Horizon's changes (DebugSource.onChange); returns the function that stops listening. */
export type DebugChangeSubscribe = DebugSource['onChange'];

/** What the event stream sends: the union of the changes in one window. */
export interface MergedChange {
  clusters: boolean;
  topology: boolean;
  mesh: boolean;
  proxies: boolean;
  /** Sorted; empty when `allServices`. */
  services: string[];
  /** More hostnames changed than one event names: every service view is to be refetched. */
  allServices: boolean;
}

/** More hostnames than this in one window are sent as `allServices` (an event stays small). */
export const MAX_SERVICES_PER_EVENT = 200;

export function emptyMerged(): MergedChange {
  return { clusters: false, topology: false, mesh: false, proxies: false, services: [], allServices: false };
}

/** Folds one change into the window's accumulator (mutates `into`; `names` holds the hostnames so far). */
export function mergeChange(into: MergedChange, names: Set<string>, change: DebugChange): void {
  if (change.clusters) into.clusters = true;
  if (change.topology) into.topology = true;
  if (change.mesh) into.mesh = true;
  if (change.proxies) into.proxies = true;
  if (change.services && !into.allServices) {
    for (const h of change.services) {
      names.add(h);
      if (names.size > MAX_SERVICES_PER_EVENT) {
        into.allServices = true;
        names.clear();
        break;
      }
    }
  }
}

export function isEmptyMerged(m: MergedChange, names: ReadonlySet<string>): boolean {
  return !m.clusters && !m.topology && !m.mesh && !m.proxies && !m.allServices && names.size === 0;
}
