// What the debug API reads: the parts of a running Horizon, read-only. Picked from Horizon itself so
// the two cannot drift; tests may hand in anything of the same shape.
import type { Horizon } from '../horizon.js';

export type DebugSource = Pick<
  Horizon,
  'primaryId' | 'registry' | 'mesh' | 'provider' | 'xds' | 'remoteSecrets' | 'meshNetworks' | 'clusterStatuses' | 'readiness' | 'onDebugChange'
>;
