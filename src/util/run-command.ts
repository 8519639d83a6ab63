// Running a command to its end (kubectl, kwokctl, ip, bash scripts): asynchronous (a synchronous exec
// would block the event loop that may be serving an emulated cluster or Horizon itself), with a
// timeout, never throwing for a missing binary. Long-running processes are supervised elsewhere.
import { execFile } from 'node:child_process';

export interface RunResult {
  /** The exit code; 127 when the command could not be run or was killed (timeout, signal). */
  code: number;
  stdout: string;
  stderr: string;
  /** The executable was not found. */
  missing: boolean;
}

export function run(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { env: opts.env ?? process.env, cwd: opts.cwd, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 127) : 0;
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code, stdout, stderr: stderr || (err && code === 127 ? err.message : ''), missing });
    });
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** Runs and fails with the command's stderr when it exits non-zero. */
export async function runOk(file: string, args: readonly string[], opts: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(file, args, opts);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
