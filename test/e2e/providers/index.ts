// HORIZON_CLUSTERS=<provider> picks the clusters of the end-to-end suite (default: emulated).
import { emulatedProvider } from './emulated.js';
import { k3sProvider } from './k3s.js';
import { kindProvider } from './kind.js';
import type { ClusterProvider } from './provider.js';

export type { ClusterProvider, ClusterRef, ProvisionedClusters } from './provider.js';

export const providers: Readonly<Record<string, ClusterProvider>> = { emulated: emulatedProvider, kind: kindProvider, k3s: k3sProvider };

export function selectedProvider(env: NodeJS.ProcessEnv = process.env): ClusterProvider {
  const name = env.HORIZON_CLUSTERS || 'emulated';
  const p = providers[name];
  if (!p) throw new Error(`HORIZON_CLUSTERS=${name} is not a cluster provider (have: ${Object.keys(providers).join(', ')})`);
  return p;
}
