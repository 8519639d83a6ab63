// The page's live link: /debug/events (server-sent events). EventSource gives up on an HTTP error and
// retries blindly on a network one, so the page runs its own reconnects: close, ask a cheap endpoint
// why (401: sign in again; no answer: the server is gone), and retry with capped, jittered backoff.
import { getJson } from './api.js';
import type { ChangeEvent, HelloEvent } from './api-types.js';

export type LiveState =
  | { kind: 'connecting' }
  | { kind: 'live'; since: Date }
  | { kind: 'retrying'; at: Date; attempt: number; reason: string; downSince: Date }
  | { kind: 'signed-out'; reason: string };

export interface LiveHandlers {
  /** Connected (first time or again): everything may have changed meanwhile. */
  onHello(hello: HelloEvent): void;
  onChange(change: ChangeEvent): void;
  onState(state: LiveState): void;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15_000, 30_000];

export class LiveConnection {
  private source: EventSource | undefined;
  private timer: number | undefined;
  private attempt = 0;
  private downSince: Date | undefined;
  private stopped = false;

  constructor(private readonly handlers: LiveHandlers) {}

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
  }

  /** Reconnect now (e.g. the user asked, or the page became visible again). */
  retryNow(): void {
    if (this.stopped || this.source) return;
    clearTimeout(this.timer);
    this.connect();
  }

  private connect(): void {
    this.handlers.onState({ kind: 'connecting' });
    const es = new EventSource('debug/events');
    this.source = es;
    es.addEventListener('hello', (e) => {
      this.attempt = 0;
      this.downSince = undefined;
      this.handlers.onState({ kind: 'live', since: new Date() });
      this.handlers.onHello(JSON.parse((e as MessageEvent<string>).data) as HelloEvent);
    });
    es.addEventListener('change', (e) => this.handlers.onChange(JSON.parse((e as MessageEvent<string>).data) as ChangeEvent));
    es.addEventListener('expired', () => this.lost());
    es.addEventListener('error', () => this.lost());
  }

  private lost(): void {
    if (this.stopped || !this.source) return;
    this.source.close();
    this.source = undefined;
    this.downSince ??= new Date();
    void this.diagnose();
  }

  private async diagnose(): Promise<void> {
    const probe = await getJson<unknown>('debug/connections');
    if (this.stopped) return;
    if (!probe.ok && probe.kind === 'auth') {
      this.handlers.onState({ kind: 'signed-out', reason: probe.error });
      return;
    }
    const reason = probe.ok ? 'the event stream closed' : probe.kind === 'network' ? 'the server does not answer' : probe.error;
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)]!;
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    const at = new Date(Date.now() + delay);
    this.handlers.onState({ kind: 'retrying', at, attempt: this.attempt, reason, downSince: this.downSince ?? new Date() });
    this.timer = window.setTimeout(() => this.connect(), delay);
  }
}
