// `horizon emulate`: starts every emulated cluster of a folder, writes one kubeconfig for them, and
// serves until SIGINT / SIGTERM.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { EmulatedClusterSet } from '../../emulator/index.js';
import { waitForSignal } from '../signals.js';

export interface EmulateOptions {
  clusters: string;
  kubeconfigOut?: string;
}

/** Starts the clusters and writes the kubeconfig; returns both (the CLI then waits for a signal). */
export async function startEmulation(opts: EmulateOptions, out: (line: string) => void): Promise<{ set: EmulatedClusterSet; kubeconfigPath: string }> {
  const { startEmulatedClusters } = await import('../../emulator/index.js');
  const set = await startEmulatedClusters(opts.clusters);
  try {
    const kubeconfigPath = opts.kubeconfigOut ?? path.join(await mkdtemp(path.join(os.tmpdir(), 'horizon-emulate-')), 'kubeconfig');
    await writeFile(kubeconfigPath, set.kubeconfigYaml(), { mode: 0o600 });
    for (const c of set.clusters) out(`cluster ${c.id} network=${c.network} url=${c.url}`);
    out(`emulate ready: kubeconfig=${kubeconfigPath}`);
    return { set, kubeconfigPath };
  } catch (err) {
    await set.stop();
    throw err;
  }
}

export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description('run emulated Kubernetes clusters (in-memory API servers) from a folder of cluster folders')
    .option('--clusters <dir>', 'folder whose subfolders hold cluster.yaml + manifests', 'clusters/demo')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: a new temporary file)')
    .action(async (opts: EmulateOptions) => {
      const { set } = await startEmulation(opts, (line) => process.stdout.write(`${line}\n`));
      await waitForSignal();
      await set.stop();
      process.stdout.write('emulate stopped\n');
    });
}
