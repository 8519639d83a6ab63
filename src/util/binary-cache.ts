// Where a build script put its binaries: scripts/kube-binaries.sh and scripts/peer-binaries.sh each keep
// a cache outside the repo keyed by the versions they pin; each script is the one place that knows its
// key, so this asks it (`--check` builds nothing and prints the folder when it is complete).
import { fileURLToPath } from 'node:url';
import { run } from './run-command.js';

export type BinaryCache = { dir: string } | { missing: string };

/** The cache folder of `scripts/<script>` when it is complete; otherwise why not (and how to build it). */
export async function findBinaryCache(script: string): Promise<BinaryCache> {
  const file = fileURLToPath(new URL(`../../scripts/${script}`, import.meta.url));
  const r = await run('bash', [file, '--check'], { timeoutMs: 30_000 });
  if (r.code === 0) return { dir: r.stdout.trim().split('\n').pop()! };
  return { missing: r.stderr.trim() || `${file} --check failed (${r.code})` };
}

/** Like findBinaryCache, but a missing cache is an error that says how to build it. */
export async function binaryCacheDir(script: string): Promise<string> {
  const found = await findBinaryCache(script);
  if ('missing' in found) throw new Error(found.missing);
  return found.dir;
}
