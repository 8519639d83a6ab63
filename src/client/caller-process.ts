// Runs `horizon call -o jsonl` as a child process (a real @grpc/grpc-js-xds client with its own
// bootstrap: grpc-js-xds reads it once per process, so one process is one client identity) and
// collects its per-call results. The demo uses it, and so do the end-to-end tests. Two ways:
//
//   const results = await runGrpcXdsClient({ server: xds.address, target: 'xds:///hw.sample.svc.cluster.local:5000', calls: 20 });
//
//   const c = startGrpcXdsClient({ ..., calls: 0, intervalMs: 20 });   // keeps calling
//   await c.waitFor((rs) => rs.some((r) => r.reply?.message.includes('backend-b')));
//   const all = await c.stop();
//
// Every process is killed when stopped, on timeout, and (as a last resort) when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CallerOptions, CallResult } from './proxyless-caller.js';

/**
 * The child's own caller options (target e.g. xds:///helloworld.sample.svc.cluster.local:5000, node
 * metadata e.g. {NETWORK: 'network1', GENERATOR: 'grpc'}, a complete `bootstrap` replacing server/node*),
 * plus how the process runs. `horizon call` has no flag for nodeCluster.
 */
export interface GrpcXdsClientOptions extends Omit<CallerOptions, 'xdsServer' | 'nodeCluster'> {
  /** host:port of the xDS server. */
  server: string;
  /** Number of calls; 0 = until stop(). Default 1. */
  calls?: number;
  intervalMs?: number;
  /** Extra environment, e.g. {GRPC_EXPERIMENTAL_XDS_WRR_LB: 'true'} or GRPC_TRACE for debugging. */
  env?: Record<string, string>;
  /** Kill the process if it has not finished by then (default 60 s). */
  timeoutMs?: number;
  /** Runs the client through this command, e.g. ['ip', 'netns', 'exec', 'ns1'] to put it in a network namespace. */
  prefix?: string[];
}

/** A result read back from the child's JSON lines; the reply is whatever the method returned. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type GrpcCallResult = CallResult<any>;

export interface GrpcXdsClientHandle {
  readonly results: GrpcCallResult[];
  readonly process: ChildProcess;
  /** Resolves when the process has exited, with every result. Rejects on a non-zero exit. */
  readonly done: Promise<GrpcCallResult[]>;
  /** Resolves once predicate(results) holds; rejects on timeout or if the process ends first. */
  waitFor(predicate: (results: readonly GrpcCallResult[]) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  /** Asks the client to stop after the current call, then collects everything. */
  stop(): Promise<GrpcCallResult[]>;
  /** stderr so far (for failure messages). */
  stderr(): string;
}

const HORIZON = fileURLToPath(new URL('../../bin/horizon.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function flags(o: GrpcXdsClientOptions): string[] {
  const f: string[] = ['call', o.target, '-o', 'jsonl', '--calls', String(o.calls ?? 1)];
  if (o.bootstrap) f.push('--bootstrap-json', JSON.stringify(o.bootstrap));
  else f.push('--xds', o.server);
  if (o.nodeId) f.push('--node-id', o.nodeId);
  if (o.metadata) f.push('--metadata', JSON.stringify(o.metadata));
  if (o.locality) f.push('--locality', JSON.stringify(o.locality));
  if (o.intervalMs !== undefined) f.push('--interval-ms', String(o.intervalMs));
  if (o.deadlineMs !== undefined) f.push('--deadline-ms', String(o.deadlineMs));
  if (o.proto) f.push('--proto', o.proto);
  if (o.service) f.push('--service', o.service);
  if (o.method) f.push('--method', o.method);
  if (o.request) f.push('--request', JSON.stringify(o.request));
  return f;
}

export function startGrpcXdsClient(options: GrpcXdsClientOptions): GrpcXdsClientHandle {
  const [command, ...args] = [...(options.prefix ?? []), process.execPath, HORIZON, ...flags(options)] as [string, ...string[]];
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, GRPC_XDS_BOOTSTRAP: '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  const results: GrpcCallResult[] = [];
  const listeners = new Set<() => void>();
  let stdoutBuf = '';
  let stderr = '';
  let exited = false;
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdoutBuf += chunk;
    let nl: number;
    while ((nl = stdoutBuf.indexOf('\n')) >= 0) {
      const line = stdoutBuf.slice(0, nl);
      stdoutBuf = stdoutBuf.slice(nl + 1);
      if (!line.trim()) continue;
      try {
        const msg = JSON.parse(line) as { type: string } & GrpcCallResult;
        if (msg.type === 'result') {
          const { type: _type, ...r } = msg;
          results.push(r);
        }
      } catch {
        stderr += `[unparsable stdout] ${line}\n`;
      }
    }
    for (const l of listeners) l();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    stderr += c;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  child.stdin!.on('error', () => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const done = new Promise<GrpcCallResult[]>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      live.delete(child);
      for (const l of listeners) l();
      if (code === 0) resolve(results);
      else reject(new Error(`grpc-xds client exited with ${code ?? signal}; stderr:\n${stderr.slice(-4000)}`));
    });
    child.on('error', (err) => reject(err));
  });
  // Callers that only use waitFor/stop must not see an unhandled rejection.
  done.catch(() => {});

  return {
    results,
    process: child,
    done,
    stderr: () => stderr,
    waitFor(predicate, timeoutMs = 30_000, what = 'condition') {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(results)) {
            cleanup();
            resolve();
          } else if (exited) {
            cleanup();
            reject(new Error(`grpc-xds client ended before ${what}; ${results.length} results, last: ${JSON.stringify(results.at(-1))}; stderr:\n${stderr.slice(-2000)}`));
          }
        };
        const t = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${results.length} results, last: ${JSON.stringify(results.at(-1))}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(t);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (!exited) {
        child.stdin!.end();
        const kill = setTimeout(() => child.kill('SIGTERM'), 15_000);
        const hard = setTimeout(() => child.kill('SIGKILL'), 20_000);
        try {
          return await done;
        } finally {
          clearTimeout(kill);
          clearTimeout(hard);
        }
      }
      return done;
    },
  };
}

/** Runs a client to completion (calls >= 1) and returns its results. */
export async function runGrpcXdsClient(options: GrpcXdsClientOptions): Promise<GrpcCallResult[]> {
  if (options.calls === 0) throw new Error('runGrpcXdsClient needs calls >= 1; use startGrpcXdsClient for open-ended runs');
  return startGrpcXdsClient(options).done;
}
