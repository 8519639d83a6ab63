// `horizon emulate`: starts every cluster of a folder, emulated (in-memory API servers, the default)
// or as real control planes (`--provider kwok`), writes one kubeconfig for them, and serves until
// SIGINT / SIGTERM.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Option, type Command as CommandType } from 'commander';
import { CLUSTER_PROVIDERS, type ClusterProviderName, type RunningClusterSet } from '../../clusters/cluster-set.js';
import { waitForSignal } from '../signals.js';

export interface EmulateOptions {
  clusters: string;
  provider?: ClusterProviderName;
  kubeconfigOut?: string;
}

export interface Emulation {
  set: RunningClusterSet;
  kubeconfigPath: string;
  /** Stops the clusters; removes the kubeconfig's temporary folder if this made one (it holds admin tokens). */
  stop(): Promise<void>;
}

/** Starts the clusters and writes the kubeconfig (the CLI then waits for a signal and stops). */
export async function startEmulation(opts: EmulateOptions, out: (line: string) => void): Promise<Emulation> {
  const { startClusterSet } = await import('../../clusters/cluster-set.js');
  const { localRouteUnavailable } = await import('../../clusters/local-route.js');
  const provider = opts.provider ?? 'emulated';
  // Real control planes keep pods off loopback; their addresses are made bindable where we may.
  const noRoute = provider === 'kwok' ? await localRouteUnavailable() : undefined;
  if (noRoute) out(`note: pod addresses are not routed to this machine (${noRoute}); Horizon works, a local data plane cannot bind them`);
  const set = await startClusterSet(opts.clusters, provider, { routePods: provider === 'kwok' && !noRoute });
  // Only a folder made here is removed, never a --kubeconfig-out file.
  let tempDir: string | undefined;
  const stop = async (): Promise<void> => {
    await set.stop();
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  };
  try {
    if (opts.kubeconfigOut === undefined) tempDir = await mkdtemp(path.join(os.tmpdir(), 'horizon-emulate-'));
    const kubeconfigPath = opts.kubeconfigOut ?? path.join(tempDir!, 'kubeconfig');
    await writeFile(kubeconfigPath, set.kubeconfigYaml(), { mode: 0o600 });
    for (const c of set.clusters) out(`cluster ${c.id} network=${c.network} url=${c.url}`);
    out(`emulate ready: kubeconfig=${kubeconfigPath}`);
    return { set, kubeconfigPath, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function registerEmulate(program: CommandType): void {
  program
    .command('emulate')
    .description('run Kubernetes clusters from a folder of cluster folders: emulated (in-memory API servers) or real control planes (kwok)')
    .option('--clusters <dir>', 'folder whose subfolders hold cluster.yaml + manifests', 'clusters/demo')
    .addOption(new Option('--provider <name>', 'emulated, or kwok: real etcd, kube-apiserver, controllers, kwok and MetalLB (build them with scripts/kube-binaries.sh)').choices(CLUSTER_PROVIDERS).default('emulated'))
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: a temporary file, removed on exit)')
    .action(async (opts: EmulateOptions) => {
      const emulation = await startEmulation(opts, (line) => process.stdout.write(`${line}\n`));
      await waitForSignal();
      await emulation.stop();
      process.stdout.write('emulate stopped\n');
    });
}
