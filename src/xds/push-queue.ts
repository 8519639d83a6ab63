// Push coalescer: merges bursts of push requests into one, fired after a quiet period with no new request,
// or at the latest a maximum delay after the first queued one (so a steady trickle cannot starve pushes).
import { logger, type Logger } from '../log.js';
import { mergeInto, type MutablePushRequest, type PushRequest } from './server/provider.js';

/** The timer functions the queue needs, injectable so tests can drive time by hand. */
export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: QueueClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface PushQueueOptions {
  /** Fire this long after the last request (default 5 ms). */
  quietMs?: number;
  /** Fire at the latest this long after the first queued request (default 50 ms). */
  maxDelayMs?: number;
  onFlush: (request: PushRequest) => void;
  clock?: QueueClock;
  log?: Logger;
}

export interface PushQueueStats {
  enqueued: number;
  flushed: number;
}

export const DEFAULT_QUIET_MS = 5;
export const DEFAULT_MAX_DELAY_MS = 50;

export class PushQueue {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: QueueClock;
  /** The queue's own copy, merged into in place: a long burst costs each request's size, not the total so far. */
  private pendingRequest: MutablePushRequest | undefined;
  private firstAt = 0;
  private lastAt = 0;
  private timer: unknown;
  private closed = false;
  private readonly counts: PushQueueStats = { enqueued: 0, flushed: 0 };
  private readonly log: Logger;

  constructor(private readonly options: PushQueueOptions) {
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    if (!(this.quietMs >= 0) || !(this.maxDelayMs >= 0)) {
      throw new Error(`push queue: quietMs and maxDelayMs must be >= 0 (got ${this.quietMs}, ${this.maxDelayMs})`);
    }
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? logger('push-queue');
  }

  enqueue(request: PushRequest): void {
    if (this.closed) return;
    this.counts.enqueued++;
    const now = this.clock.now();
    if (this.pendingRequest === undefined) {
      this.pendingRequest = {};
      this.firstAt = now;
    }
    mergeInto(this.pendingRequest, request);
    this.lastAt = now;
    // One timer per burst: when it fires early (more requests came), it re-arms for the remaining time.
    if (this.timer === undefined) this.arm(this.dueAt() - now);
  }

  /** Fires now whatever is queued. */
  flush(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const request = this.pendingRequest;
    if (request === undefined) return;
    this.pendingRequest = undefined;
    this.counts.flushed++;
    try {
      this.options.onFlush(request);
    } catch (err) {
      this.log.error({ err }, 'push failed');
    }
  }

  /** What would be pushed now, if anything. */
  pending(): PushRequest | undefined {
    return this.pendingRequest;
  }

  stats(): PushQueueStats {
    return { ...this.counts };
  }

  /** Drops what is queued and stops the timer. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.pendingRequest = undefined;
  }

  private dueAt(): number {
    return Math.min(this.lastAt + this.quietMs, this.firstAt + this.maxDelayMs);
  }

  private arm(delay: number): void {
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, delay));
  }

  private fire(): void {
    this.timer = undefined;
    if (this.pendingRequest === undefined) return;
    const remaining = this.dueAt() - this.clock.now();
    if (remaining > 0) this.arm(remaining);
    else this.flush();
  }
}
