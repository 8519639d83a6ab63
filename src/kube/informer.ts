// A client-node informer that survives failures. client-node's ListWatch stops for good on any watch
// error other than 410, so every failure here starts a fresh ListWatch after a backoff. A fresh
// ListWatch relists, and the relist is reconciled against what was known before: objects that
// vanished while the API server was out of reach are reported deleted, nothing is lost or left stale.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Backoff, type BackoffOptions, defaultBackoff } from './backoff.js';
import { KubeRequestError, type KubeRest } from './rest.js';

export type InformerState = 'starting' | 'synced' | 'failing' | 'absent' | 'stopped';

export interface InformerHandlers<T> {
  upsert(obj: T, previous: T | undefined): void;
  remove(obj: T): void;
  /** State transitions, for sync status and staleness. */
  state?(state: InformerState, error?: string): void;
}

export interface InformerOptions<T> {
  kubeConfig: KubeConfig;
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
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export class ResilientInformer<T extends KubernetesObject> {
  private readonly store = new Map<string, T>();
  private readonly backoff: Backoff;
  private generation = 0;
  private current: ListWatch<T> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private _state: InformerState = 'stopped';
  private _lastError: string | undefined;
  private _hasSynced = false;

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

  list(): IterableIterator<T> {
    return this.store.values();
  }

  get(namespace: string, name: string): T | undefined {
    return this.store.get(`${namespace}/${name}`);
  }

  start(): void {
    if (this._state !== 'stopped') return;
    this.setState('starting');
    void this.run();
  }

  /** Drop the current watch and start over now (e.g. after a liveness probe found the server back). */
  restart(): void {
    if (this._state === 'stopped') return;
    this.abandonCurrent();
    clearTimeout(this.timer);
    void this.run();
  }

  stop(): void {
    this.setState('stopped');
    this.abandonCurrent();
    clearTimeout(this.timer);
  }

  private abandonCurrent(): void {
    this.generation++;
    const lw = this.current;
    this.current = undefined;
    // Stopping a ListWatch aborts its request, which it reports as an error; the generation check
    // in the handlers below makes that report land nowhere.
    if (lw) void lw.stop().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const gen = ++this.generation;
    const { kubeConfig, rest, path, labelSelector, fieldSelector } = this.options;
    const live = () => gen === this.generation && this._state !== 'stopped';
    let failed = false;

    const listFn = async () => {
      const result = await rest.list<T>(path, {
        ...(labelSelector ? { labelSelector } : {}),
        ...(fieldSelector ? { fieldSelector } : {}),
      });
      if (live()) this.reconcile(result.items);
      return { metadata: { resourceVersion: result.resourceVersion }, items: result.items } as never;
    };

    const lw = new ListWatch<T>(path, new Watch(kubeConfig), listFn, false, labelSelector, fieldSelector);
    this.current = lw;
    lw.on('add', (obj) => live() && this.upsert(obj));
    lw.on('update', (obj) => live() && this.upsert(obj));
    lw.on('delete', (obj) => live() && this.remove(obj));
    lw.on('error', (err?: unknown) => {
      if (!live()) return;
      failed = true;
      this.fail(err);
    });

    try {
      await lw.start();
    } catch (err) {
      if (live()) {
        failed = true;
        this.fail(err);
      }
    }
    if (live() && !failed) {
      this.backoff.reset();
      this._hasSynced = true;
      this._lastError = undefined;
      this.setState('synced');
    }
  }

  private fail(err: unknown): void {
    this.abandonCurrent();
    const absent = err instanceof KubeRequestError && err.statusCode === 404;
    if (absent) {
      // Not served at all: nothing to know, and nothing wrong with the cluster.
      this.reconcile([]);
      this._hasSynced = true;
      this._lastError = undefined;
      this.setState('absent');
      this.timer = setTimeout(() => void this.run(), this.options.absentRetryMs ?? 60_000);
      this.timer.unref();
      return;
    }
    this._lastError = describe(err);
    this.setState('failing', this._lastError);
    this.timer = setTimeout(() => void this.run(), this.backoff.next());
    this.timer.unref();
  }

  /** After a list: everything not in it is gone. Adds and updates follow from the ListWatch. */
  private reconcile(items: readonly T[]): void {
    const present = new Set(items.map(keyOf));
    for (const [key, obj] of [...this.store]) {
      if (!present.has(key)) {
        this.store.delete(key);
        this.options.handlers.remove(obj);
      }
    }
  }

  private upsert(obj: T): void {
    const key = keyOf(obj);
    const previous = this.store.get(key);
    if (previous && previous.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.store.set(key, obj);
    this.options.handlers.upsert(obj, previous);
  }

  private remove(obj: T): void {
    const key = keyOf(obj);
    const previous = this.store.get(key);
    if (!previous) return;
    this.store.delete(key);
    this.options.handlers.remove(previous);
  }

  private setState(state: InformerState, error?: string): void {
    const changed = state !== this._state;
    this._state = state;
    if (changed || error) this.options.handlers.state?.(state, error);
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const status = (err as { statusCode?: number }).statusCode;
    return status && !err.message.includes(String(status)) ? `${err.message} (HTTP ${status})` : err.message;
  }
  return String(err);
}
