// Where the real control-plane binaries are: the cache scripts/kube-binaries.sh builds (keyed by the
// versions pinned in tools/*/go.mod). The script is the one place that knows the key; this asks it.
import { fileURLToPath } from 'node:url';
import { run } from '../util/run-command.js';

const script = fileURLToPath(new URL('../../scripts/kube-binaries.sh', import.meta.url));

export const KUBE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kwokctl', 'metallb-controller'] as const;

export type KubeBinaries = { dir: string } | { missing: string };

/** The cache folder when it is complete; otherwise why not (and how to build it). Builds nothing. */
export async function findKubeBinaries(): Promise<KubeBinaries> {
  const r = await run('bash', [script, '--check'], { timeoutMs: 30_000 });
  if (r.code === 0) return { dir: r.stdout.trim().split('\n').pop()! };
  return { missing: r.stderr.trim() || `${script} --check failed (${r.code})` };
}

/** Like findKubeBinaries, but a missing cache is an error that says how to build it. */
export async function kubeBinariesDir(): Promise<string> {
  const found = await findKubeBinaries();
  if ('missing' in found) throw new Error(found.missing);
  return found.dir;
}
