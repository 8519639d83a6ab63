// One open watch: a chunked HTTP response of JSON lines. Events are filtered by namespace and
// selectors (an object that starts matching arrives as ADDED, one that stops matching as DELETED),
// written from bytes shared with every other watcher, and corked per tick. A watcher whose unsent
// bytes stay above the limit is closed cleanly, as a real API server drops a watcher that cannot
// keep up: the client re-watches from its last resourceVersion.
import type { ServerResponse } from 'node:http';
import type { ResourceType } from './resource-types.js';
import { groupVersion } from './resource-types.js';
import type { EventSink, EventType, JsonCache, StoreEvent } from './object-store.js';
import type { KObject } from './k8s-object.js';
import type { LabelSelector } from './label-selector.js';
import type { FieldSelector } from './field-selector.js';

export interface WatchFilter {
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
}

export interface WatchStreamOptions {
  type: ResourceType;
  version: string;
  /** Whole objects, or metadata only (PartialObjectMetadata). */
  form: 'object' | 'metadata';
  filter: WatchFilter;
  json: JsonCache;
  /** The cluster's current resourceVersion, for bookmarks. */
  currentRv: () => number;
  bookmarkIntervalMs: number | undefined;
  timeoutMs: number | undefined;
  maxBufferedBytes: number;
  /** How long a watcher may stay above maxBufferedBytes before it is dropped. */
  slowWatcherGraceMs: number;
}

/** Shares the encoded line of an event among all watchers of the same version and event type. */
export class EventLineCache {
  private readonly lines = new WeakMap<StoreEvent, Map<string, Buffer>>();

  constructor(private readonly json: JsonCache) {}

  line(event: StoreEvent, as: EventType, type: ResourceType, version: string, form: 'object' | 'metadata' = 'object'): Buffer {
    let m = this.lines.get(event);
    if (!m) {
      m = new Map();
      this.lines.set(event, m);
    }
    const k = `${as}/${version}/${form}`;
    let b = m.get(k);
    if (!b) {
      b = Buffer.from(`{"type":"${as}","object":${this.json.formJson(event.object, type, version, form)}}\n`);
      m.set(k, b);
    }
    return b;
  }
}

export function filterMatches(filter: WatchFilter, obj: KObject): boolean {
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  return filter.labels.matches(obj.metadata.labels) && (filter.fields.empty || filter.fields.matches(obj));
}

export class WatchStream implements EventSink {
  private closed = false;
  private corked = false;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private readonly onClose: Array<() => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly opts: WatchStreamOptions,
    private readonly lines: EventLineCache,
  ) {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('Transfer-Encoding', 'chunked');
    res.flushHeaders();
    res.on('close', () => this.cleanup());
    if (opts.bookmarkIntervalMs !== undefined && opts.bookmarkIntervalMs > 0) {
      this.bookmarkTimer = setInterval(() => this.bookmark(), opts.bookmarkIntervalMs);
      this.bookmarkTimer.unref();
    }
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
      this.timeoutTimer = setTimeout(() => this.end(), opts.timeoutMs);
      this.timeoutTimer.unref();
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs when the stream ends, whoever ends it. */
  whenClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.onClose.push(fn);
  }

  /** A committed change of the watched collection. */
  deliver(event: StoreEvent): void {
    if (this.closed) return;
    const f = this.opts.filter;
    let as: EventType | undefined;
    if (event.type === 'ADDED') {
      if (filterMatches(f, event.object)) as = 'ADDED';
    } else if (event.type === 'DELETED') {
      if (filterMatches(f, event.previous ?? event.object)) as = 'DELETED';
    } else {
      const now = filterMatches(f, event.object);
      const before = event.previous !== undefined && filterMatches(f, event.previous);
      if (now && before) as = 'MODIFIED';
      else if (now) as = 'ADDED';
      else if (before) as = 'DELETED';
    }
    if (as) this.write(this.lines.line(event, as, this.opts.type, this.opts.version, this.opts.form));
  }

  /** A synthetic ADDED for an existing object (watch without resourceVersion). */
  sendExisting(obj: KObject): void {
    if (this.closed || !filterMatches(this.opts.filter, obj)) return;
    this.write(Buffer.from(`{"type":"ADDED","object":${this.opts.json.formJson(obj, this.opts.type, this.opts.version, this.opts.form)}}\n`));
  }

  bookmark(annotations?: Record<string, string>): void {
    if (this.closed) return;
    const metadata: Record<string, unknown> = { resourceVersion: String(this.opts.currentRv()) };
    if (annotations) metadata.annotations = annotations;
    const object =
      this.opts.form === 'metadata'
        ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata }
        : { kind: this.opts.type.kind, apiVersion: groupVersion(this.opts.type.group, this.opts.version), metadata };
    this.write(Buffer.from(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`));
  }

  /** Sends an ERROR event carrying a Status (e.g. 410 Expired) and closes the stream. */
  error(status: object): void {
    if (this.closed) return;
    this.write(Buffer.from(`${JSON.stringify({ type: 'ERROR', object: status })}\n`));
    this.end();
  }

  /** Ends the response cleanly: the client sees the end of the stream and watches again. */
  end(): void {
    if (this.closed) return;
    this.cleanup();
    this.res.end();
    // A client that never reads would keep the socket (and its buffer) forever.
    const guard = setTimeout(() => this.res.destroy(), 60_000);
    guard.unref();
    this.res.once('close', () => clearTimeout(guard));
  }

  private write(buf: Buffer): void {
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(() => {
        this.corked = false;
        this.res.uncork();
        this.checkBackpressure();
      });
    }
    this.res.write(buf);
  }

  /**
   * After a tick's events went out: if more than the limit is still unsent, the client gets a grace
   * period to catch up; if it is still behind after it, it is dropped.
   */
  private checkBackpressure(): void {
    if (this.closed) return;
    const pending = this.res.writableLength;
    if (pending <= this.opts.maxBufferedBytes) return;
    if (this.slowTimer) return;
    this.slowTimer = setTimeout(() => {
      this.slowTimer = undefined;
      if (!this.closed && this.res.writableLength > this.opts.maxBufferedBytes) this.end();
    }, this.opts.slowWatcherGraceMs);
    this.slowTimer.unref();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    if (this.slowTimer) clearTimeout(this.slowTimer);
    for (const fn of this.onClose.splice(0)) fn();
  }
}
