// `horizon emulate`: starts every emulated cluster of a folder, writes one kubeconfig for them, and
// serves until SIGINT / SIGTERM.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { EmulatedClusterSet } from '../../emulator/index.js';
import { waitForSignal } from '../signals.js';

export interface EmulateOptions {
  clusters: string;
  kubeconfigOut?: string;
}

export interface Emulation {
  set: EmulatedClusterSet;
  kubeconfigPath: string;
  /** Stops the clusters; removes the kubeconfig's temporary folder if this made one (it holds admin tokens). */
  stop(): Promise<void>;
}

/** Starts the clusters and writes the kubeconfig (the CLI then waits for a signal and stops). */
export async function startEmulation(opts: EmulateOptions, out: (line: string) => void): Promise<Emulation> {
  const { startEmulatedClusters } = await import('../../emulator/index.js');
  const set = await startEmulatedClusters(opts.clusters);
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

export function registerEmulate(program: Command): void {
  program
    .command('emulate')
    .description('run emulated Kubernetes clusters (in-memory API servers) from a folder of cluster folders')
    .option('--clusters <dir>', 'folder whose subfolders hold cluster.yaml + manifests', 'clusters/demo')
    .option('--kubeconfig-out <file>', 'where to write the kubeconfig (default: a temporary file, removed on exit)')
    .action(async (opts: EmulateOptions) => {
      const emulation = await startEmulation(opts, (line) => process.stdout.write(`${line}\n`));
      await waitForSignal();
      await emulation.stop();
      process.stdout.write('emulate stopped\n');
    });
}
