// Keeps a set of helloworld backends in step with a list of desired pods. The caller (the demo)
// derives the list from the emulated clusters' ready pods; this file only starts and stops servers.
import { logger } from '../log.js';
import { startHelloworld, type HelloworldBackend, type HelloworldOptions } from './helloworld.js';

export interface DesiredPod {
  podName: string;
  address: string;
  port: number;
  version: string;
}

export interface FleetPlan {
  /** Pods to start (new, or changed and therefore restarted). */
  start: DesiredPod[];
  /** Pod names to stop (gone, or changed and therefore restarted). */
  stop: string[];
}

function samePod(a: DesiredPod, b: DesiredPod): boolean {
  return a.address === b.address && a.port === b.port && a.version === b.version;
}

/**
 * What to do to get from `running` to `desired`, keyed by pod name. A pod whose address, port or
 * version changed is stopped and started again. When a name repeats in `desired`, the last one wins.
 */
export function planFleet(running: ReadonlyMap<string, DesiredPod>, desired: readonly DesiredPod[]): FleetPlan {
  const wanted = new Map<string, DesiredPod>();
  for (const pod of desired) wanted.set(pod.podName, pod);
  const start: DesiredPod[] = [];
  const stop: string[] = [];
  for (const [name, pod] of running) {
    const want = wanted.get(name);
    if (!want || !samePod(pod, want)) stop.push(name);
  }
  for (const [name, pod] of wanted) {
    const have = running.get(name);
    if (!have || !samePod(have, pod)) start.push(pod);
  }
  return { start, stop };
}

export interface FleetSyncResult {
  started: string[];
  stopped: string[];
  /** Pods that could not start (e.g. address in use); they are tried again on the next sync. */
  failed: { podName: string; error: string }[];
}

export interface HelloworldFleetOptions {
  /** Grace for running calls when a pod is stopped (default 2000 ms). */
  stopGraceMs?: number;
}

export class HelloworldFleet {
  readonly #running = new Map<string, { pod: DesiredPod; backend: HelloworldBackend }>();
  readonly #stopGraceMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #log = logger('dataplane.fleet');

  constructor(options: HelloworldFleetOptions = {}) {
    this.#stopGraceMs = options.stopGraceMs ?? 2000;
  }

  /**
   * Starts the desired pods that are not running and stops the running ones no longer desired.
   * Syncs run one after another, so a burst of updates can be fed without awaiting each.
   */
  sync(desired: readonly DesiredPod[]): Promise<FleetSyncResult> {
    const snapshot = desired.map((pod) => ({ ...pod }));
    const run = this.#queue.then(() => this.#apply(snapshot));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** The running backends, by pod name. */
  backends(): HelloworldBackend[] {
    return [...this.#running.values()].map((entry) => entry.backend);
  }

  get(podName: string): HelloworldBackend | undefined {
    return this.#running.get(podName)?.backend;
  }

  /** SayHello calls answered, per running pod. */
  calls(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, { backend }] of this.#running) out[name] = backend.calls;
    return out;
  }

  /** Stops every backend; later syncs are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue;
    await Promise.all([...this.#running.keys()].map((name) => this.#stop(name)));
  }

  async #apply(desired: DesiredPod[]): Promise<FleetSyncResult> {
    if (this.#closed) throw new Error('helloworld fleet is closed');
    const running = new Map([...this.#running].map(([name, entry]) => [name, entry.pod]));
    const plan = planFleet(running, desired);
    // Stop first: a replaced pod may reuse its predecessor's address and port.
    await Promise.all(plan.stop.map((name) => this.#stop(name)));
    const result: FleetSyncResult = { started: [], stopped: plan.stop, failed: [] };
    await Promise.all(
      plan.start.map(async (pod) => {
        try {
          const options: HelloworldOptions = { ...pod };
          this.#running.set(pod.podName, { pod, backend: await startHelloworld(options) });
          result.started.push(pod.podName);
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          this.#log.warn({ podName: pod.podName, error }, 'helloworld backend not started');
          result.failed.push({ podName: pod.podName, error });
        }
      }),
    );
    return result;
  }

  async #stop(podName: string): Promise<void> {
    const entry = this.#running.get(podName);
    if (!entry) return;
    this.#running.delete(podName);
    await entry.backend.stop({ graceMs: this.#stopGraceMs });
  }
}
