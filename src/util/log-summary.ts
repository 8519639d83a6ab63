// Repeated failures are logged once in full, then summarised: a NACK storm or fifty dead clusters
// retrying must not turn into thousands of log lines. The first occurrence of a key is logged at
// once; further occurrences within a window are only counted, and at the end of the window one line
// says how many there were. A key quiet for a whole window is forgotten, so its next occurrence is
// logged in full again. The details stay available where they belong: metrics and /debug/*.
import { LRUCache } from 'lru-cache';

export interface RepeatedLine {
  /** Logs the occurrence in full (called for the first one of a window). */
  first(): void;
  /** Logs one line for `suppressed` further occurrences during the last `windowMs`. */
  summary(suppressed: number, windowMs: number): void;
}

export interface LogSummaryOptions {
  /** Length of a summary window; default 30 s. */
  windowMs?: number;
  /** Keys remembered at once (the least recently seen are dropped, their counts summarised); default 1000. */
  maxKeys?: number;
}

interface Entry {
  suppressed: number;
  line: RepeatedLine;
}

export class LogSummary {
  private readonly windowMs: number;
  private readonly entries: LRUCache<string, Entry>;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: LogSummaryOptions = {}) {
    this.windowMs = options.windowMs ?? 30_000;
    this.entries = new LRUCache<string, Entry>({
      max: options.maxKeys ?? 1000,
      // A key pushed out by newer ones still gets its count said, so nothing is silently lost.
      dispose: (entry, _key, reason) => {
        if (reason === 'evict' && entry.suppressed > 0) entry.line.summary(entry.suppressed, this.windowMs);
      },
    });
  }

  /** One occurrence of `key`. Never throws on its own account. */
  report(key: string, line: RepeatedLine): void {
    const entry = this.entries.get(key);
    if (entry) {
      entry.suppressed++;
      entry.line = line;
      return;
    }
    this.entries.set(key, { suppressed: 0, line });
    line.first();
    this.ensureTimer();
  }

  /** Occurrences of `key` counted but not yet summarised (for tests and debug). */
  pending(key: string): number {
    return this.entries.peek(key)?.suppressed ?? 0;
  }

  /** Says what is pending and forgets every key. */
  flush(): void {
    for (const [key, entry] of [...this.entries.entries()]) {
      if (entry.suppressed > 0) {
        entry.line.summary(entry.suppressed, this.windowMs);
        entry.suppressed = 0;
      } else {
        this.entries.delete(key);
      }
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
    this.entries.clear();
  }

  private ensureTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.flush();
      if (this.entries.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    }, this.windowMs);
    this.timer.unref();
  }
}
