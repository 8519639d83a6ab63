// The load generator as the scenarios see it: one or more child processes (ads-load-child.ts) sharing
// the streams of one subscription plan, queried together.
import { fileURLToPath } from 'node:url';
import { forkRpc, type RpcChild } from './ipc.js';
import type { ConnectOptions } from './ads-load-child.js';
import type { EndpointCount } from './light-ads.js';
import { procUsage } from './usage.js';
import type { SubscriptionPlan } from './subscriptions.js';

const childPath = fileURLToPath(new URL('./ads-load-child.ts', import.meta.url));

export interface ConnectResult {
  /** Per stream: ms from the moment the first process started opening streams until complete (NaN if not). */
  completeMs: number[];
  timedOut: boolean;
  incomplete: number;
  ended: number;
  /** Streams the server ended with an error and the client reopened (with `retry`). */
  retries: number;
}

export interface ExpectResult {
  latencies: number[];
  missing: number;
  timedOut: boolean;
}

export class LoadFleet {
  private constructor(private readonly children: RpcChild[]) {}

  static async start(processes: number): Promise<LoadFleet> {
    // A young generation large enough that the clients' per-round garbage does not trigger a scavenge
    // in the middle of a measurement.
    const execArgv = ['--max-old-space-size=4096', ...(process.env.BENCH_LOAD_NODE_OPTIONS ?? '--max-semi-space-size=64').split(' ').filter(Boolean)];
    const children = await Promise.all(Array.from({ length: Math.max(1, processes) }, () => forkRpc(childPath, { execArgv })));
    return new LoadFleet(children);
  }

  get pids(): number[] {
    return this.children.map((c) => c.process.pid!);
  }

  /** CPU seconds used by the load processes so far. */
  cpuSeconds(): number {
    return this.pids.reduce((n, pid) => n + (procUsage(pid)?.cpuSeconds ?? 0), 0);
  }

  async connect(address: string, plan: SubscriptionPlan, opts: Partial<ConnectOptions> = {}): Promise<ConnectResult> {
    const k = this.children.length;
    const per = Math.ceil(plan.streams / k);
    const parts = await Promise.all(
      this.children.map((c, i) =>
        c.call('connect', {
          address,
          plan,
          from: Math.min(plan.streams, i * per),
          to: Math.min(plan.streams, (i + 1) * per),
          mode: opts.mode ?? 'sotw',
          streamsPerConnection: opts.streamsPerConnection ?? 1,
          timeoutMs: opts.timeoutMs ?? 120_000,
          node: opts.node ?? 'plain',
          ...(opts.retry ? { retry: opts.retry } : {}),
          ...(opts.complete ? { complete: opts.complete } : {}),
        } satisfies { address: string; plan: SubscriptionPlan; from: number; to: number } & ConnectOptions),
      ),
    );
    const start = Math.min(...parts.map((p) => p.startedAt as number));
    return {
      completeMs: parts.flatMap((p) => (p.completeAt as number[]).map((t) => t - start)),
      timedOut: parts.some((p) => p.timedOut),
      incomplete: parts.reduce((n, p) => n + p.incomplete, 0),
      ended: parts.reduce((n, p) => n + p.ended, 0),
      retries: parts.reduce((n, p) => n + p.retries, 0),
    };
  }

  /** What the first stream of the first load process last received per name (when counting). */
  async counts(): Promise<Record<string, EndpointCount>> {
    return this.children[0]!.call('counts', { local: 0 });
  }

  /** Latencies from t0 to each subscriber of `name` (only those on `networks`, when given). */
  async expect(name: string, t0: number, timeoutMs = 30_000, networks?: string[]): Promise<ExpectResult> {
    const parts: ExpectResult[] = await Promise.all(this.children.map((c) => c.call('expect', { name, t0, timeoutMs, networks })));
    return {
      latencies: parts.flatMap((p) => p.latencies),
      missing: parts.reduce((n, p) => n + p.missing, 0),
      timedOut: parts.some((p) => p.timedOut),
    };
  }

  /** Pauses `count` streams of the first load process (slow clients). */
  async pause(count: number): Promise<void> {
    await this.children[0]!.call('pause', { count });
  }

  /** Resumes them; per stream, the responses it read until the server had nothing more for it. */
  async resume(quietMs = 500, timeoutMs = 30_000): Promise<{ responsesAfterResume: number[]; settledMs: number }> {
    return this.children[0]!.call('resume', { quietMs, timeoutMs });
  }

  async stats(): Promise<{ streams: number; ended: number; responses: number; bytes: number; retries: number }> {
    const parts = await Promise.all(this.children.map((c) => c.call('stats')));
    return {
      streams: parts.reduce((n, p) => n + p.streams, 0),
      ended: parts.reduce((n, p) => n + p.ended, 0),
      responses: parts.reduce((n, p) => n + p.responses, 0),
      bytes: parts.reduce((n, p) => n + p.bytes, 0),
      retries: parts.reduce((n, p) => n + p.retries, 0),
    };
  }

  /** Closes the streams (the processes stay). */
  async disconnect(): Promise<void> {
    await Promise.all(this.children.map((c) => c.call('close')));
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => c.close()));
  }
}
