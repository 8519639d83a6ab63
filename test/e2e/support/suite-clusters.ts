// The start of every suite that runs once per cluster provider: skip (saying why) when kubectl or the
// provider is missing here, else provision the clusters and a kubectl environment for them.
import { readFile } from 'node:fs/promises';
import { KubectlEnv, skipWithoutKubectl } from '../../emulator/helpers.js';
import type { ClusterProvider, ProvisionedClusters } from '../providers/index.js';

export interface SuiteClusters {
  clusters: ProvisionedClusters;
  k: KubectlEnv;
  /** The provisioned kubeconfig's text (every context). */
  kubeconfigText: string;
}

/** For a before() hook; the caller's after() cleans up `k` and `clusters`. */
export async function provisionForSuite(ctx: Mocha.Context, provider: ClusterProvider): Promise<SuiteClusters> {
  skipWithoutKubectl(ctx);
  const reason = await provider.unavailable();
  if (reason) {
    console.log(`    skipped (${provider.name} provider): ${reason}`);
    ctx.skip();
  }
  const clusters = await provider.provision();
  const kubeconfigText = await readFile(clusters.kubeconfig, 'utf8');
  return { clusters, k: await KubectlEnv.create(kubeconfigText), kubeconfigText };
}
