// `node bin/horizon.mjs <args>` as a separate process, the way users run it: output collected, lines
// waited for (never fixed sleeps), stopped with SIGTERM and killed if it does not exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './demo-mesh.js';
import { waitFor } from './wait.js';

export interface HorizonProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Only what went to stdout / stderr, for assertions about which stream a line is on. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code when the process exits (by itself or stopped). */
  readonly exited: Promise<number | null>;
  /** Resolves with the first match of `pattern` in the output; fails early if the process exits. */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** `signal` (SIGTERM by default), then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number, signal?: NodeJS.Signals): Promise<number | null>;
}

export function spawnHorizon(args: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): HorizonProcess {
  const child = spawn(process.execPath, ['bin/horizon.mjs', ...args], { cwd: repoRoot, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    stderr += d;
  });
  // 'close', not 'exit': by then all of stdout and stderr has been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    output: () => out,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pattern, what, timeoutMs = 60_000) {
      let match: RegExpMatchArray | null = null;
      try {
        await waitFor(() => {
            match = pattern.exec(out);
            if (!match && !running()) throw new Error(`horizon ${args[0]} exited (${String(child.exitCode ?? child.signalCode)}) before ${what}`);
            return match !== null;
          }, what, { timeoutMs: timeoutMs, intervalMs: 50 });
      } catch (err) {
        throw new Error(`${(err as Error).message}; horizon ${args[0]} output:\n${out}`);
      }
      return match!;
    },
    async stop(graceMs = 10_000, signal = 'SIGTERM') {
      if (!running()) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
