// Shared helpers of the emulator tests: clusters built in code, HTTPS requests that trust the
// cluster's certificate, real kubectl runs (async, isolated HOME / cache / KUBECONFIG), polling.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { run } from '../support/exec.js';
import { waitFor as waitForValue } from '../support/wait.js';
import { startEmulatedCluster, validateClusterDefinition, type ClusterDefinition, type EmulatedCluster, type EmulatedClusterOptions, type KObject } from '../../src/emulator/index.js';

/** The first executable `name` on $PATH, as a shell would find it. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const foundKubectl = onPath('kubectl');
/** Set by .ci/run: there, a missing kubectl must fail the kubectl suites, not quietly skip them. */
const kubectlRequired = process.env.HORIZON_REQUIRE_KUBECTL === '1';
/** The kubectl the tests run (from PATH); just 'kubectl' when there is none, for messages. */
const kubectlPath = foundKubectl ?? 'kubectl';
/**
 * Whether the kubectl suites run: kubectl is on PATH, or HORIZON_REQUIRE_KUBECTL=1 demands it. In the
 * second case without kubectl, KubectlEnv.create() fails with the reason, so those suites fail
 * instead of skipping; suites call skipWithoutKubectl.
 */
const hasKubectl = foundKubectl !== undefined || kubectlRequired;
/** Why the kubectl suites are skipped when hasKubectl is false. */
const noKubectlReason = 'kubectl is not on PATH (set HORIZON_REQUIRE_KUBECTL=1 to make that a failure)';

/** For before()/it() of a kubectl suite: skips it, saying why, when kubectl is absent and not required. */
export function skipWithoutKubectl(ctx: Mocha.Context): void {
  if (hasKubectl) return;
  console.log(`    skipped: ${noKubectlReason}`);
  ctx.skip();
}

let seq = 0;

/** A small cluster definition: two nodes in two zones; fields can be overridden. */
export function testDefinition(overrides: Record<string, unknown> = {}, manifests: KObject[] = []): ClusterDefinition {
  seq++;
  const def = validateClusterDefinition(
    {
      clusterID: `test${seq}`,
      network: `net${seq}`,
      podCIDR: '10.40.0.0/16',
      serviceCIDR: '10.41.0.0/16',
      loadBalancerPool: '10.42.0.0/24',
      nodes: [
        { name: 'node-a', internalIP: '10.43.0.1', labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z1' } },
        { name: 'node-b', internalIP: '10.43.0.2', labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': 'z2' } },
      ],
      ...overrides,
    },
    'test definition',
  );
  return { ...def, manifests: manifests.map((object, i) => ({ source: `manifest ${i}`, object })) };
}

export async function startTestCluster(overrides: Record<string, unknown> = {}, manifests: KObject[] = [], opts: EmulatedClusterOptions = {}): Promise<EmulatedCluster> {
  return startEmulatedCluster(testDefinition(overrides, manifests), opts);
}

export interface Reply {
  status: number;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, string | string[] | undefined>;
}

export interface RequestOptions {
  body?: string | Buffer;
  contentType?: string;
  token?: string | null;
  accept?: string;
}

/** One HTTPS request to the cluster, trusting its certificate. */
export function request(c: EmulatedCluster, method: string, urlPath: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? c.token}`;
    if (opts.contentType) headers['content-type'] = opts.contentType;
    if (opts.accept) headers.accept = opts.accept;
    const req = https.request({ host: '127.0.0.1', port: c.port, method, path: urlPath, ca: c.caCertificate, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

export interface WatchHandle {
  events: Array<{ type: string; object: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  ended: Promise<void>;
  isEnded: () => boolean;
  close: () => void;
}

/** Opens a watch and collects its JSON-line events until it ends or is closed. */
export function openWatch(c: EmulatedCluster, urlPath: string, accept?: string): Promise<WatchHandle> {
  return new Promise((resolve, reject) => {
    const events: WatchHandle['events'] = [];
    let ended = false;
    let endResolve!: () => void;
    const endedP = new Promise<void>((r) => (endResolve = r));
    const req = https.request({ host: '127.0.0.1', port: c.port, method: 'GET', path: urlPath, ca: c.caCertificate, headers: { authorization: `Bearer ${c.token}`, ...(accept ? { accept } : {}) }, agent: false }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      });
      const finish = (): void => {
        ended = true;
        endResolve();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({ events, ended: endedP, isEnded: () => ended, close: () => req.destroy() });
    });
    req.on('error', (err) => {
      if (!ended) reject(err);
    });
    req.end();
  });
}

/** waitFor for the emulator: a check may throw while the API server is (re)starting; the last error is named on timeout. */
export function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 15000): Promise<T> {
  return waitForValue(check, what, { timeoutMs, intervalMs: 25, retryErrors: true });
}

/** A scratch folder with a kubeconfig and an isolated HOME / kubectl cache (never ~/.kube). */
export class KubectlEnv {
  private constructor(
    readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  static async create(kubeconfigYaml: string): Promise<KubectlEnv> {
    if (!foundKubectl) throw new Error('kubectl is not on PATH, and HORIZON_REQUIRE_KUBECTL=1 requires it: install kubectl');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-kubectl-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml, { mode: 0o600 });
    return new KubectlEnv(dir, kubeconfig);
  }

  /** Runs kubectl asynchronously; resolves with its output, rejects with stderr on a non-zero exit. */
  async run(args: string[], opts: { input?: string; allowFail?: boolean } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const r = await run(kubectlPath, args, { env: this.env, input: opts.input, timeoutMs: 120_000 });
    if (r.code !== 0 && !opts.allowFail) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  }

  /** Starts kubectl without waiting for it to exit (e.g. `get -w`, read as it streams). */
  spawn(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
    return spawn(kubectlPath, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** The environment kubectl (or a script calling it) runs in: this kubeconfig, HOME and cache. */
  get env(): NodeJS.ProcessEnv {
    return { ...process.env, KUBECONFIG: this.kubeconfig, HOME: this.dir, KUBECACHEDIR: path.join(this.dir, 'cache') };
  }

  async file(name: string, content: string): Promise<string> {
    const p = path.join(this.dir, name);
    await writeFile(p, content);
    return p;
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
