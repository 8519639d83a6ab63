// HORIZON_CLUSTERS=<provider>[,<provider>...] picks the clusters of the end-to-end suites. The default
// is emulated and kwok (real control planes): each suite runs once per provider, and a provider that
// cannot run here is skipped with its reason.
import { emulatedProvider } from './emulated.js';
import { k3sProvider } from './k3s.js';
import { kindProvider } from './kind.js';
import { kwokProvider } from './kwok.js';
import type { ClusterProvider } from './provider.js';

export type { ClusterProvider, ClusterRef, ProvisionedClusters } from './provider.js';

export const providers: Readonly<Record<string, ClusterProvider>> = { emulated: emulatedProvider, kwok: kwokProvider, kind: kindProvider, k3s: k3sProvider };

export function selectedProviders(env: NodeJS.ProcessEnv = process.env): ClusterProvider[] {
  const names = (env.HORIZON_CLUSTERS || 'emulated,kwok').split(',').map((n) => n.trim()).filter(Boolean);
  return names.map((name) => {
    const p = providers[name];
    if (!p) throw new Error(`HORIZON_CLUSTERS=${name} is not a cluster provider (have: ${Object.keys(providers).join(', ')})`);
    return p;
  });
}
