// The default provider: Horizon's own emulated clusters (clusters/demo), started as a separate
// `horizon emulate` process exactly as a user would, with the kubeconfig it writes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnHorizon } from '../../support/horizon-process.js';
import type { ClusterProvider, ClusterRef, ProvisionedClusters } from './provider.js';

export const emulatedProvider: ClusterProvider = {
  name: 'emulated',
  unavailable: async () => undefined,
  async provision(): Promise<ProvisionedClusters> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-e2e-emulated-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    const emulate = spawnHorizon(['emulate', '--clusters', 'clusters/demo', '--kubeconfig-out', kubeconfig]);
    const cleanup = async () => {
      await emulate.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      await emulate.waitFor(/emulate ready: kubeconfig=/, 'the emulated clusters', 90_000);
      const refs = new Map<string, ClusterRef>();
      for (const m of emulate.output().matchAll(/^cluster (\S+) network=(\S+) url=/gm)) refs.set(m[1]!, { context: m[1]!, clusterId: m[1]!, network: m[2]! });
      const primary = refs.get('cluster1');
      const remote = refs.get('cluster2');
      if (!primary || !remote) throw new Error(`horizon emulate did not report cluster1 and cluster2:\n${emulate.output()}`);
      // Demo addresses are loopback addresses: backends and gateways can bind and be dialled here.
      return { kubeconfig, primary, remote, cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  },
};
