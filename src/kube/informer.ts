// An informer (list, then watch from the list's resourceVersion) that survives failures, on Horizon's
// own REST client. A watch the server ends cleanly is resumed from the last resourceVersion seen (no
// relist); 410 Gone relists; any other failure starts over after a backoff. A relist is reconciled
// against what was known before: objects that vanished while the API server was out of reach are
// reported deleted, nothing is lost or left stale.
//
// A handler or transform that throws is caught per object, counted and reported (onHandlerError): the
// informer carries on with the next object, and the process with it.
//
// Memory: only what `transform` returns is kept (client-go's SetTransform), and objects can be asked
// for as metadata only (PartialObjectMetadata, as client-go's metadata informers do), so a cluster with
// 150k pods costs Horizon their labels, not their specs.
import type { KubernetesObject } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions, defaultBackoff } from './backoff.js';
import { KubeRequestError, METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT, type KubeRest, type WatchEvent, type WatchHandle } from './rest.js';

export type InformerState = 'starting' | 'synced' | 'failing' | 'absent' | 'stopped';

export interface InformerHandlers<T> {
  upsert(obj: T, previous: T | undefined): void;
  remove(obj: T): void;
  /** State transitions, for sync status and staleness. */
  state?(state: InformerState, error?: string): void;
  /** A transform or handler threw for one object (already caught and counted); must not throw. */
  handlerError?(error: string): void;
}

/** What an informer says about itself (for /debug/clusterz). */
export interface InformerStatus {
  path: string;
  state: InformerState;
  /** When it entered this state (ISO). */
  since: string;
  /** The last list or watch error, while failing. */
  lastError?: string;
  /** Failed attempts in a row (0 once a list or watch succeeds again). */
  failures: number;
  /** Objects a transform or handler threw on, since the start. */
  handlerErrors: number;
  lastHandlerError?: string;
}

export interface InformerOptions<T> {
  rest: KubeRest;
  /** Collection path, e.g. `/api/v1/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  handlers: InformerHandlers<T>;
  backoff?: BackoffOptions;
  /**
   * A resource the server does not serve (404, e.g. Istio CRDs not installed) counts as empty and
   * synced, and is looked for again after this long.
   */
  absentRetryMs?: number;
  /** Ask for metadata only (PartialObjectMetadata); a server that ignores this sends whole objects. */
  metadataOnly?: boolean;
  /**
   * What to keep of each object (and hand to the handlers). It must keep metadata.name, namespace and
   * resourceVersion. Default: the object as received.
   */
  transform?: (obj: KubernetesObject) => T;
  /** Servers end a watch after this long (jittered up to 2x) and it is resumed; default 5 minutes. */
  watchTimeoutSeconds?: number;
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A watch that ends sooner than this after it started, without any event, counts as a failure. */
const MIN_HEALTHY_WATCH_MS = 1000;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly store = new Map<string, T>();
  private readonly backoff: Backoff;
  private generation = 0;
  private current: WatchHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private _state: InformerState = 'stopped';
  private _lastError: string | undefined;
  private _hasSynced = false;
  private resourceVersion = '';
  private since = new Date().toISOString();
  private failures = 0;
  /** HTTP status of the last failure, when the server answered one. */
  private lastStatus: number | undefined;
  private handlerErrors = 0;
  private lastHandlerError: string | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.backoff = new Backoff(options.backoff ?? defaultBackoff);
  }

  get state(): InformerState {
    return this._state;
  }

  get lastError(): string | undefined {
    return this._lastError;
  }

  /** True once a list has completed at least once (later failures do not unset it). */
  get hasSynced(): boolean {
    return this._hasSynced;
  }

  get path(): string {
    return this.options.path;
  }

  status(): InformerStatus {
    return {
      path: this.options.path,
      state: this._state,
      since: this.since,
      ...(this._lastError && this._state === 'failing' ? { lastError: this._lastError } : {}),
      failures: this.failures,
      handlerErrors: this.handlerErrors,
      ...(this.lastHandlerError ? { lastHandlerError: this.lastHandlerError } : {}),
    };
  }

  get size(): number {
    return this.store.size;
  }

  list(): IterableIterator<T> {
    return this.store.values();
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  start(): void {
    if (this._state !== 'stopped') return;
    this.setState('starting');
    void this.run(true);
  }

  /**
   * Drop the current watch (or the wait before a retry) and watch again now from the last
   * resourceVersion, e.g. after a liveness probe found the server back. No relist: the watch replays
   * what changed meanwhile, and a version the server no longer has gets 410, which relists.
   */
  restart(): void {
    if (this._state === 'stopped') return;
    this.abandonCurrent();
    clearTimeout(this.timer);
    void this.run(false);
  }

  /**
   * If failing, try again now instead of after the backoff: the server was seen answering (its probe
   * passed). Not when the server answered this watch with a 4xx (forbidden, bad request): that does
   * not heal by itself, and the backoff keeps it from hammering.
   */
  retryNow(): void {
    if (this._state !== 'failing') return;
    if (this.lastStatus !== undefined && this.lastStatus >= 400 && this.lastStatus < 500) return;
    this.restart();
  }

  stop(): void {
    this.setState('stopped');
    this.abandonCurrent();
    clearTimeout(this.timer);
  }

  private abandonCurrent(): void {
    this.generation++;
    this.current?.abort();
    this.current = undefined;
  }

  /** Lists (when asked to, or when there is no resourceVersion to resume from), then watches. */
  private async run(relist: boolean): Promise<void> {
    const gen = ++this.generation;
    const live = () => gen === this.generation && this._state !== 'stopped';
    const { rest, path, labelSelector, fieldSelector, metadataOnly } = this.options;
    try {
      if (relist || this.resourceVersion === '') {
        const result = await rest.list<KubernetesObject>(path, {
          ...(labelSelector ? { labelSelector } : {}),
          ...(fieldSelector ? { fieldSelector } : {}),
          ...(metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
        });
        if (!live()) return;
        this.replaceAll(result.items.filter((o) => typeof o === 'object' && o !== null));
        this.resourceVersion = result.resourceVersion;
      }
      const timeout = this.options.watchTimeoutSeconds ?? 300;
      const startedAt = Date.now();
      let events = 0;
      const handle = await rest.watch(path, {
        query: {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(Math.round(timeout * (1 + Math.random()))),
          labelSelector,
          fieldSelector,
        },
        ...(metadataOnly ? { accept: METADATA_WATCH_ACCEPT } : {}),
        onEvent: (e) => {
          if (!live()) return;
          events++;
          this.onEvent(e);
        },
        onEnd: (err) => {
          if (!live()) return;
          this.current = undefined;
          if (err) return this.fail(err);
          // Ended by the server (its timeout, or it went away): resume from where we are. One that
          // ends at once, again and again, is not healthy: back off as for a failure, and say so (a
          // server going away ends its watches this way), but resume from where we are, no relist.
          if (events === 0 && Date.now() - startedAt < MIN_HEALTHY_WATCH_MS) {
            this._lastError = `watch ${path}: the server ended the watch at once, without an event`;
            this.lastStatus = undefined;
            this.failures++;
            this.setState('failing', this._lastError);
            this.timer = setTimeout(() => void this.run(false), this.backoff.next());
            this.timer.unref();
            return;
          }
          void this.run(false);
        },
      });
      if (!live()) {
        handle.abort();
        return;
      }
      this.current = handle;
      this.backoff.reset();
      this.failures = 0;
      this._hasSynced = true;
      this._lastError = undefined;
      this.setState('synced');
    } catch (err) {
      if (live()) this.fail(err);
    }
  }

  private onEvent(e: WatchEvent): void {
    const obj = e?.object as KubernetesObject & { code?: number };
    if (typeof obj !== 'object' || obj === null) {
      this.fail(new KubeRequestError(`watch ${this.options.path}: the server sent an event without an object`, undefined, undefined));
      return;
    }
    switch (e.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.upsert(obj);
        break;
      case 'DELETED':
        this.remove(obj);
        break;
      case 'BOOKMARK':
        break;
      case 'ERROR': {
        this.abandonCurrent();
        if (obj.code === 410) {
          // Too old: start over with a fresh list (reconciled against what we have).
          this.resourceVersion = '';
          void this.run(true);
        } else {
          this.fail(new KubeRequestError(`watch ${this.options.path}: ${(obj as { message?: string }).message ?? 'error event'}`, obj.code, undefined));
        }
        return;
      }
      default:
        return;
    }
    const rv = obj?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
  }

  private fail(err: unknown): void {
    this.abandonCurrent();
    this.resourceVersion = '';
    const absent = err instanceof KubeRequestError && err.statusCode === 404;
    if (absent) {
      // Not served at all: nothing to know, and nothing wrong with the cluster.
      this.replaceAll([]);
      this._hasSynced = true;
      this._lastError = undefined;
      this.setState('absent');
      this.timer = setTimeout(() => void this.run(true), this.options.absentRetryMs ?? 60_000);
      this.timer.unref();
      return;
    }
    if (err instanceof KubeRequestError && err.statusCode === 410) {
      // The watch's resourceVersion is gone (HTTP 410): relist now.
      void this.run(true);
      return;
    }
    this._lastError = describe(err);
    this.lastStatus = err instanceof KubeRequestError ? err.statusCode : undefined;
    this.failures++;
    this.setState('failing', this._lastError);
    this.timer = setTimeout(() => void this.run(true), this.backoff.next());
    this.timer.unref();
  }

  /** After a list: everything not in it is gone; the rest is added or updated. */
  private replaceAll(items: readonly KubernetesObject[]): void {
    const present = new Set<string>();
    for (const o of items) present.add(keyOf(o));
    for (const [key, obj] of [...this.store]) {
      if (!present.has(key)) {
        this.store.delete(key);
        this.guarded(key, () => this.options.handlers.remove(obj));
      }
    }
    for (const o of items) this.upsert(o);
  }

  private upsert(raw: KubernetesObject): void {
    const key = keyOf(raw);
    const previous = this.store.get(key);
    if (previous && previous.metadata?.resourceVersion === raw.metadata?.resourceVersion) return;
    this.guarded(key, () => {
      // A transform that throws keeps the previous version (nothing better is known).
      const obj = this.options.transform ? this.options.transform(raw) : (raw as T);
      this.store.set(key, obj);
      this.options.handlers.upsert(obj, previous);
    });
  }

  private remove(raw: KubernetesObject): void {
    const key = keyOf(raw);
    const previous = this.store.get(key);
    if (!previous) return;
    this.store.delete(key);
    this.guarded(key, () => this.options.handlers.remove(previous));
  }

  /** Runs what one object asks for; a throw is counted and reported, and the next object goes on. */
  private guarded(key: string, work: () => void): void {
    try {
      work();
    } catch (err) {
      this.handlerErrors++;
      this.lastHandlerError = `${key}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(0, 500);
      try {
        this.options.handlers.handlerError?.(this.lastHandlerError);
      } catch {
        // the report itself failed: counted above, nothing more to do
      }
    }
  }

  private setState(state: InformerState, error?: string): void {
    const changed = state !== this._state;
    this._state = state;
    if (changed) this.since = new Date().toISOString();
    if (!(changed || error)) return;
    try {
      this.options.handlers.state?.(state, error);
    } catch {
      // a state listener must not stop the informer
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { statusCode?: number }).statusCode;
    return status && !err.message.includes(String(status)) ? `${err.message} (HTTP ${status})` : err.message;
  }
  return String(err);
}
