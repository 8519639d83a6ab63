// Runs the processes of one real control plane (etcd, kube-apiserver, controllers, kwok) and restarts
// each one that exits, with backoff, the way a kubelet restarts static pods in a kind node. Without
// it a real control plane does not heal: kube-controller-manager and kube-scheduler exit when they
// lose their leader lease (a stopped or killed API server), and kwokctl does not start them again.
// The supervisor owns its children: stop() ends them all and no restart follows.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { logger } from '../log.js';

export interface ComponentSpec {
  name: string;
  binary: string;
  args: readonly string[];
  workDir: string;
  env?: Readonly<Record<string, string>>;
  /** Appended with everything the process writes. */
  logFile: string;
  /** Not started by start() but by release(): for a component that needs something set up first. */
  startHeld?: boolean;
}

export interface ComponentStatus {
  name: string;
  pid: number | undefined;
  restarts: number;
  lastExit?: string;
  /** Held by hold(): not running and not restarted until release(). */
  held: boolean;
}

const log = logger('controlplane');
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;
/** A process that ran this long was healthy: its next crash starts the backoff from the minimum again. */
const HEALTHY_RUN_MS = 30_000;

class Component {
  child: ChildProcess | undefined;
  restarts = 0;
  lastExit: string | undefined;
  held = false;
  private backoffMs = MIN_BACKOFF_MS;
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private out: WriteStream;
  private exited: Array<() => void> = [];

  constructor(
    readonly spec: ComponentSpec,
    private readonly stopping: () => boolean,
  ) {
    this.out = createWriteStream(spec.logFile, { flags: 'a' });
    this.held = spec.startHeld === true;
  }

  start(): void {
    if (this.child || this.held || this.stopping()) return;
    this.startedAt = Date.now();
    const child = spawn(this.spec.binary, [...this.spec.args], {
      cwd: this.spec.workDir,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.pipe(this.out, { end: false });
    child.stderr.pipe(this.out, { end: false });
    child.once('error', (err) => {
      this.lastExit = `could not start ${this.spec.binary}: ${err.message}`;
    });
    child.once('close', (code, signal) => {
      this.child = undefined;
      this.lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
      for (const w of this.exited.splice(0)) w();
      if (this.stopping() || this.held) return;
      if (Date.now() - this.startedAt > HEALTHY_RUN_MS) this.backoffMs = MIN_BACKOFF_MS;
      log.info({ component: this.spec.name, exit: this.lastExit, restartInMs: this.backoffMs }, 'control-plane component exited; restarting');
      this.restarts++;
      this.timer = setTimeout(() => this.start(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    });
  }

  /** Sends a signal; resolves when the process is gone (for terminating signals) or at once. */
  async signal(sig: NodeJS.Signals, waitExit: boolean): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => this.exited.push(resolve));
    child.kill(sig);
    if (waitExit) await gone;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    if (this.child) {
      // A SIGSTOPped process cannot act on SIGTERM: wake it first.
      this.child.kill('SIGCONT');
      const gone = this.signal('SIGTERM', true);
      const hard = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(hard);
    }
  }

  close(): void {
    this.out.end();
  }

  status(): ComponentStatus {
    return { name: this.spec.name, pid: this.child?.pid, restarts: this.restarts, held: this.held, ...(this.lastExit ? { lastExit: this.lastExit } : {}) };
  }
}

export class ComponentSupervisor {
  private readonly components = new Map<string, Component>();
  private stopped = false;

  constructor(specs: readonly ComponentSpec[]) {
    for (const s of specs) this.components.set(s.name, new Component(s, () => this.stopped));
  }

  start(): void {
    for (const c of this.components.values()) c.start();
  }

  private get(name: string): Component {
    const c = this.components.get(name);
    if (!c) throw new Error(`no control-plane component ${JSON.stringify(name)} (have: ${[...this.components.keys()].join(', ')})`);
    return c;
  }

  /** Freezes the process (SIGSTOP): it keeps its sockets but answers nothing, like a hung server. */
  async pause(name: string): Promise<void> {
    await this.get(name).signal('SIGSTOP', false);
  }

  async resume(name: string): Promise<void> {
    await this.get(name).signal('SIGCONT', false);
  }

  /** Kills the process (SIGKILL); the supervisor starts it again after its backoff. */
  async kill(name: string): Promise<void> {
    await this.get(name).signal('SIGKILL', true);
  }

  /** Stops the process and keeps it stopped until release(). */
  async hold(name: string): Promise<void> {
    const c = this.get(name);
    c.held = true;
    await c.stop();
  }

  release(name: string): void {
    const c = this.get(name);
    c.held = false;
    c.start();
  }

  status(): ComponentStatus[] {
    return [...this.components.values()].map((c) => c.status());
  }

  /** Stops every process (controllers first, etcd last) and restarts none. */
  async stop(): Promise<void> {
    this.stopped = true;
    const order = [...this.components.values()].reverse();
    for (const c of order) await c.stop();
    for (const c of order) c.close();
  }
}
