// One connection to one Kubernetes API server: its REST client, its liveness probe, its health, and
// EVERY watch Horizon keeps on that server, whoever asked for it (the cluster's own kinds, and in the
// primary the remote-cluster Secrets and the meshNetworks ConfigMap). Owning them all is what makes
// recovery whole: when the probe finds the server back, every watch is restarted at once, instead of
// some waiting out a backoff grown during the outage (and a passing probe retries any watch failing
// meanwhile); a watch that keeps failing shows against its cluster, whoever owns it.
//
// Sync status, precisely:
// - `syncing`: not every watch has listed yet (and the sync timeout has not passed); or every watch
//   has listed once but now one is failing, or the liveness probe is, and data may be behind.
// - `synced`: every watch has listed at least once, none is failing now, and the probe answers.
// - `timeout`: the first full sync did not complete within syncTimeoutMs; the cluster is served
//   without what is missing and may still sync later (then `synced`).
// - `closed`: stopped.
// `hasSynced` says whether the first full sync ever completed (what readiness waits for): a cluster
// that synced once and then loses its API server keeps serving its last known state, marked stale.
import { EventEmitter } from 'node:events';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { logger } from '../log.js';
import type { ClusterId } from '../model/types.js';
import { LogSummary } from '../util/log-summary.js';
import type { BackoffOptions } from './backoff.js';
import { ResilientInformer, type InformerStatus } from './informer.js';
import { KubeRest, type KubeRestOptions } from './rest.js';

export type SyncStatus = 'syncing' | 'synced' | 'timeout' | 'closed';

export interface KubeConnectionOptions {
  cluster: ClusterId;
  kubeConfig: KubeConfig;
  /** After this long without a first full sync the status is `timeout` (it may still sync later). */
  syncTimeoutMs: number;
  /** Liveness probe of the API server (watches can hang silently); 0 disables it. Default 10 s. */
  probeIntervalMs?: number;
  backoff?: BackoffOptions;
  /** Address guard and size bounds of the REST client (remote clusters get a guard). */
  rest?: KubeRestOptions;
  /** Where repeated failures are counted instead of logged one by one (shared by a Horizon). */
  logs?: LogSummary;
  /** Called on every failed list or watch attempt (e.g. to count it); must not throw. */
  onWatchFailure?(path: string, error: string): void;
  /** Called when a handler threw on an object (already caught); must not throw. */
  onHandlerError?(path: string, error: string): void;
}

/** A watch as its owner declares it. */
export interface WatchSpec<T> {
  /** Who keeps it, for status: `cluster`, `remote-secrets`, `istio-configmap`. */
  owner: string;
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  metadataOnly?: boolean;
  transform?: (obj: KubernetesObject) => T;
  handlers: { upsert(obj: T, previous: T | undefined): void; remove(obj: T): void };
}

export interface WatchStatus extends InformerStatus {
  owner: string;
}

/** What an owner holds of its watch: the objects, whether they were listed, and the way out. */
export interface KubeWatch<T> {
  readonly hasSynced: boolean;
  get(namespace: string, name: string): T | undefined;
  list(): IterableIterator<T>;
  /** Stops the watch and takes it off the connection. */
  close(): void;
}

interface Registered {
  owner: string;
  informer: ResilientInformer<KubernetesObject>;
}

const PROBE_DEFAULT_MS = 10_000;

export class KubeConnection extends EventEmitter {
  readonly cluster: ClusterId;
  readonly rest: KubeRest;
  readonly kubeConfig: KubeConfig;
  private readonly log;
  private readonly logs: LogSummary;
  private readonly ownLogs: boolean;
  private readonly watchList: Registered[] = [];
  private started = false;
  private _status: SyncStatus = 'syncing';
  private firstSyncDone = false;
  private timedOut = false;
  private staleSinceMs: number | undefined;
  /** Whether the last 'status' event said stale (an event goes out when either changes). */
  private emittedStale = false;
  private probeFailing = false;
  private _lastError: string | undefined;
  private syncTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly syncedWaiters: Array<() => void> = [];

  constructor(private readonly opts: KubeConnectionOptions) {
    super();
    this.cluster = opts.cluster;
    this.kubeConfig = opts.kubeConfig;
    this.rest = new KubeRest(opts.kubeConfig, opts.rest);
    this.log = logger('cluster').child({ cluster: opts.cluster });
    this.ownLogs = opts.logs === undefined;
    this.logs = opts.logs ?? new LogSummary();
  }

  // ---- read side -------------------------------------------------------------------------------

  get status(): SyncStatus {
    return this._status;
  }
  /** True once every watch has listed once (later failures do not unset it). */
  get hasSynced(): boolean {
    return this.firstSyncDone;
  }
  /** Milliseconds since epoch when a watch or the probe started failing; undefined while healthy. */
  get staleSince(): number | undefined {
    return this.staleSinceMs;
  }
  get lastError(): string | undefined {
    return this._lastError;
  }
  /** The API server URL for display: without any user:password a URL may carry. */
  get server(): string {
    try {
      const u = new URL(this.rest.server);
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/$/, '');
    } catch {
      return '(unparsable server URL)';
    }
  }
  watches(): WatchStatus[] {
    return this.watchList.map((w) => ({ owner: w.owner, ...w.informer.status() }));
  }
  /** Resolves once synced (never rejects; resolves on stop too; see `status` for timeouts). */
  whenSynced(): Promise<void> {
    if (this._status === 'synced' || this._status === 'closed') return Promise.resolve();
    return new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  // ---- watches ---------------------------------------------------------------------------------

  /** Adds a watch; it starts with the connection (at once if the connection already runs). */
  watch<T extends KubernetesObject>(spec: WatchSpec<T>): KubeWatch<T> {
    const { owner, path, labelSelector, fieldSelector, metadataOnly, transform, handlers } = spec;
    const informer = new ResilientInformer<T>({
      rest: this.rest,
      path,
      ...(labelSelector ? { labelSelector } : {}),
      ...(fieldSelector ? { fieldSelector } : {}),
      ...(metadataOnly ? { metadataOnly } : {}),
      ...(transform ? { transform } : {}),
      ...(this.opts.backoff ? { backoff: this.opts.backoff } : {}),
      handlers: {
        upsert: handlers.upsert,
        remove: handlers.remove,
        state: (_state, error) => this.onWatchState(path, error),
        handlerError: (error) => this.onHandlerError(path, error),
      },
    });
    const entry: Registered = { owner, informer: informer as unknown as ResilientInformer<KubernetesObject> };
    this.watchList.push(entry);
    if (this.started && this._status !== 'closed') informer.start();
    this.recompute();
    return {
      get hasSynced() {
        return informer.hasSynced;
      },
      get: (namespace, name) => informer.get(namespace, name),
      list: () => informer.list(),
      close: () => {
        informer.stop();
        const i = this.watchList.indexOf(entry);
        if (i >= 0) this.watchList.splice(i, 1);
        this.recompute();
      },
    };
  }

  // ---- lifecycle -------------------------------------------------------------------------------

  start(): void {
    if (this.started || this._status === 'closed') return;
    this.started = true;
    for (const w of this.watchList) w.informer.start();
    this.syncTimer = setTimeout(() => {
      if (this.firstSyncDone || this._status === 'closed') return;
      this.timedOut = true;
      this.log.warn({ timeoutMs: this.opts.syncTimeoutMs }, 'cluster not synced in time; serving without it');
      this.recompute();
    }, this.opts.syncTimeoutMs);
    this.syncTimer.unref();
    const probeMs = this.opts.probeIntervalMs ?? PROBE_DEFAULT_MS;
    if (probeMs > 0) this.scheduleProbe(probeMs);
    this.recompute();
  }

  stop(): void {
    if (this._status === 'closed') return;
    for (const w of this.watchList) w.informer.stop();
    this.rest.close();
    clearTimeout(this.syncTimer);
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this._status = 'closed';
    if (this.ownLogs) this.logs.close();
    for (const w of this.syncedWaiters.splice(0)) w();
    this.emit('status');
  }

  // ---- health ----------------------------------------------------------------------------------

  private onWatchState(path: string, error?: string): void {
    if (error) {
      this._lastError = `${path}: ${error}`;
      try {
        this.opts.onWatchFailure?.(path, error);
      } catch {
        // counting must not break the watch
      }
      // Fifty dead clusters retrying must not be fifty lines a second: the first failure of this
      // cluster is said in full, later ones (any watch) are counted and summarised per window.
      this.logs.report(`watch failing ${this.cluster}`, {
        first: () => this.log.warn({ path, error }, 'watch failing; retrying (repeats for this cluster are counted, not logged)'),
        summary: (failures, windowMs) => this.log.warn({ failures, windowMs, lastPath: path, lastError: error }, 'watch failures repeated'),
      });
    }
    if (this.probeFailing && this.watchList.every((w) => w.informer.state === 'synced' || w.informer.state === 'absent')) this.probeSoon();
    this.recompute();
  }

  private onHandlerError(path: string, error: string): void {
    try {
      this.opts.onHandlerError?.(path, error);
    } catch {
      // counting must not break the watch
    }
    this.logs.report(`handler error ${this.cluster} ${path}`, {
      first: () => this.log.error({ path, error }, 'a watch handler failed on an object; skipped it and carried on'),
      summary: (errors, windowMs) => this.log.error({ path, errors, windowMs, lastError: error }, 'watch handler failures repeated'),
    });
  }

  /** Stale, sync status and waiters, from the watches' states and the probe. */
  private recompute(): void {
    if (this._status === 'closed') return;
    const failing = this.probeFailing || this.watchList.some((w) => w.informer.state === 'failing');
    if (failing && this.staleSinceMs === undefined) {
      this.staleSinceMs = Date.now();
      this.log.warn('cluster API server unreachable or a watch failing; keeping its last known state (stale)');
    } else if (!failing && this.staleSinceMs !== undefined) {
      this.staleSinceMs = undefined;
      this._lastError = undefined;
      this.log.info('cluster API server reachable again, every watch running');
    }
    const listed = this.started && this.watchList.every((w) => w.informer.hasSynced);
    if (listed && !this.firstSyncDone) {
      this.firstSyncDone = true;
      clearTimeout(this.syncTimer);
      this.log.info('cluster synced');
    }
    let next: SyncStatus;
    if (!this.firstSyncDone) next = this.timedOut ? 'timeout' : 'syncing';
    else next = listed && !failing ? 'synced' : 'syncing';
    const wasStale = this.emittedStale;
    this.emittedStale = this.staleSinceMs !== undefined;
    if (next === this._status && wasStale === this.emittedStale) return;
    this._status = next;
    if (next === 'synced') for (const w of this.syncedWaiters.splice(0)) w();
    this.emit('status');
  }

  /**
   * The watches answered while the last probe had failed: probe now rather than at the next interval,
   * so the cluster stops being reported stale as soon as it is back.
   */
  private probeSoon(): void {
    const probeMs = this.opts.probeIntervalMs ?? PROBE_DEFAULT_MS;
    if (probeMs > 0 && this.probeTimer !== undefined && this._status !== 'closed') this.scheduleProbe(probeMs, 0);
  }

  /**
   * Probes every intervalMs (after `firstInMs` the first time). A probe in flight is never doubled:
   * probeSoon() only moves the next one forward.
   */
  private scheduleProbe(intervalMs: number, firstInMs = intervalMs): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(async () => {
      this.probeTimer = undefined;
      try {
        // /readyz, not /version: a kube-apiserver answers /version with its etcd down (found on real
        // control planes), so only readiness says whether changes can still reach us.
        await this.rest.request('/readyz', { timeoutMs: Math.min(5000, intervalMs), accept: 'text/plain' });
        if (this.probeFailing) {
          this.probeFailing = false;
          // Watches opened before the outage may be dead without knowing it, and those waiting out a
          // backoff would wait on: start every one of them over now.
          if (this._status !== 'closed') for (const w of this.watchList) w.informer.restart();
        } else if (this._status !== 'closed') {
          // A blip the probe did not see (watches cut between two probes): the server answers, so
          // a watch waiting out its backoff need not.
          for (const w of this.watchList) w.informer.retryNow();
        }
      } catch (err) {
        if (!this.probeFailing) this._lastError = `liveness probe: ${(err as Error).message}`;
        this.probeFailing = true;
      }
      this.recompute();
      if (this._status !== 'closed' && this.probeTimer === undefined) this.scheduleProbe(intervalMs);
    }, firstInMs);
    this.probeTimer.unref();
  }
}
