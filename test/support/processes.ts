// Child processes for tests: `ip` (commands run to their end go through exec.ts), and the standalone
// data-plane process (src/dataplane/main.ts) with its JSON lines, optionally run inside a network namespace.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { run, runOk } from './exec.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dataplaneMain = join(repoRoot, 'src/dataplane/main.ts');

export async function ip(...args: string[]): Promise<void> {
  await runOk('ip', args);
}

/** Why network namespaces cannot be used here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const probe = await run('ip', ['netns', 'list']);
  if (probe.code !== 0) return `no usable \`ip netns\`: ${(probe.stdout + probe.stderr).trim()}`;
  return undefined;
}

export interface DataplaneRun {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  /** Kills it (if still running) and waits for the exit. */
  kill(): Promise<void>;
}

/** Runs src/dataplane/main.ts; `prefix` (e.g. `ip netns exec <ns>`) runs it somewhere else. */
export function runDataplane(configFile: string, prefix: string[] = []): DataplaneRun {
  const argv = [process.execPath, '--import', 'tsx', dataplaneMain, '--config', configFile];
  const [command, ...args] = [...prefix, ...argv] as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HORIZON_LOG_LEVEL: 'silent' },
  });
  const lines: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ unparsed: line });
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
