// GET /debug/events: server-sent events saying what changed, so the web view refetches only the JSON
// that moved. Bounded: a cap on open streams (503 beyond it), changes merged over a short window into
// one small event, keepalive comments so idle proxies and browsers keep the stream, a stream whose
// reader stops reading is dropped rather than buffered, and everything is released on close.
// Horizon is listened to only while at least one stream is open.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logger } from '../../log.js';
import type { DebugChange } from '../source.js';
import { emptyMerged, isEmptyMerged, mergeChange, type DebugChangeSubscribe, type MergedChange } from './changes.js';

export interface LiveEventsOptions {
  /** Open streams at most; one more is answered 503. */
  maxStreams: number;
  /** A comment line this often on every stream. */
  keepaliveMs: number;
  /** Changes within this window after the first go out as one event. */
  windowMs: number;
  /** Bytes queued for a stream that does not read before it is dropped. */
  maxBufferedBytes: number;
}

export const defaultLiveEventsOptions: Readonly<LiveEventsOptions> = Object.freeze({
  maxStreams: 32,
  keepaliveMs: 15_000,
  windowMs: 100,
  maxBufferedBytes: 256 * 1024,
});

/** The `data` of a `change` event. */
export interface ChangeEvent extends MergedChange {
  seq: number;
  /** When the window closed (server clock). */
  at: string;
}

/** The `data` of the `hello` event that opens every stream. */
export interface HelloEvent {
  seq: number;
  windowMs: number;
  keepaliveMs: number;
}

interface Stream {
  res: ServerResponse;
  /** The web-view session that opened it, closed when that session expires. */
  session?: string;
}

export class LiveEvents {
  private readonly log = logger('debug-events');
  private readonly options: LiveEventsOptions;
  private readonly streams = new Set<Stream>();
  private unsubscribe: (() => void) | undefined;
  private pending = emptyMerged();
  private readonly pendingNames = new Set<string>();
  private windowTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly subscribe: DebugChangeSubscribe,
    options: Partial<LiveEventsOptions> = {},
    /** Whether a web-view session is still valid (streams of expired sessions are ended). */
    private readonly sessionValid: (id: string) => boolean = () => true,
  ) {
    this.options = { ...defaultLiveEventsOptions, ...options };
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Takes over the response: 503 JSON when full, otherwise an event stream until either side closes. */
  open(req: IncomingMessage, res: ServerResponse, session?: string): void {
    if (this.closed || this.streams.size >= this.options.maxStreams) {
      const body = `${JSON.stringify({ error: `too many open event streams (${this.options.maxStreams}); close a web view or retry later` })}\n`;
      res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Retry-After': '5', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const stream: Stream = session !== undefined ? { res, session } : { res };
    this.streams.add(stream);
    res.on('close', () => this.remove(stream));
    req.socket.setNoDelay(true);
    // The server's idle timeout is for sockets nobody uses; this one is in use while the page is open.
    // Our own writes (a keepalive every keepaliveMs) would reset that timer anyway, so it could not tell
    // a gone reader from a present one: a reader that stops reading is dropped by the backlog bound in
    // write(), and a closed one by 'close'. (node:http's headers and request timeouts stop counting
    // once the request has arrived, so they never cut a stream.)
    req.socket.setTimeout(0);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Reverse proxies (nginx) would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    const hello: HelloEvent = { seq: this.seq, windowMs: this.options.windowMs, keepaliveMs: this.options.keepaliveMs };
    this.write(stream, `retry: 3000\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.listen();
  }

  close(): void {
    this.closed = true;
    for (const s of [...this.streams]) s.res.end();
    this.streams.clear();
    this.stopListening();
  }

  private listen(): void {
    if (this.unsubscribe) return;
    this.unsubscribe = this.subscribe((change) => this.onChange(change));
    this.keepaliveTimer = setInterval(() => this.keepalive(), this.options.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  private stopListening(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
    clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    this.pending = emptyMerged();
    this.pendingNames.clear();
  }

  private onChange(change: DebugChange): void {
    mergeChange(this.pending, this.pendingNames, change);
    if (this.windowTimer !== undefined || isEmptyMerged(this.pending, this.pendingNames)) return;
    this.windowTimer = setTimeout(() => this.flush(), this.options.windowMs);
    this.windowTimer.unref();
  }

  private flush(): void {
    this.windowTimer = undefined;
    const merged = this.pending;
    merged.services = merged.allServices ? [] : [...this.pendingNames].sort();
    this.pending = emptyMerged();
    this.pendingNames.clear();
    const event: ChangeEvent = { seq: ++this.seq, at: new Date().toISOString(), ...merged };
    const text = `id: ${event.seq}\nevent: change\ndata: ${JSON.stringify(event)}\n\n`;
    for (const s of [...this.streams]) this.write(s, text);
  }

  private keepalive(): void {
    for (const s of [...this.streams]) {
      if (s.session !== undefined && !this.sessionValid(s.session)) {
        this.write(s, `event: expired\ndata: {}\n\n`);
        s.res.end();
        continue;
      }
      this.write(s, `: keepalive\n\n`);
    }
  }

  private write(stream: Stream, text: string): void {
    const { res } = stream;
    if (res.destroyed || res.writableEnded) return;
    // A reader that stopped reading would make us buffer without end: drop it, it will reconnect.
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.log.warn({ buffered: res.writableLength }, 'event stream reader is not reading; closing its stream');
      res.destroy();
      return;
    }
    res.write(text);
  }

  private remove(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    if (this.streams.size === 0) this.stopListening();
  }
}
