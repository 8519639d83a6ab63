// CPU and memory of a process over time: this one through process.cpuUsage / memoryUsage, others
// (the emulated clusters, the load generator) through /proc, so each scenario can say whose CPU is whose.
import { readFileSync } from 'node:fs';
import { now } from './report.js';

/** CPU seconds (user + system) and RSS bytes of a process, or undefined when it cannot be read. */
export function procUsage(pid: number): { cpuSeconds: number; rssBytes: number } | undefined {
  if (pid === process.pid) {
    const c = process.cpuUsage();
    return { cpuSeconds: (c.user + c.system) / 1e6, rssBytes: process.memoryUsage().rss };
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const rssPages = Number(fields[21]);
    return { cpuSeconds: ticks / 100, rssBytes: rssPages * 4096 };
  } catch {
    return undefined;
  }
}

export interface UsageSample {
  /** Seconds since the sampler started. */
  t: number;
  /** Share of one core used since the previous sample (1 = one full core). */
  cores: number;
  rssBytes: number;
  heapUsedBytes?: number;
}

/** Samples one process every `intervalMs`. */
export class UsageSampler {
  readonly samples: UsageSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = now();
  private readonly startCpu: number;
  private lastCpu: number;
  private lastAt: number;

  constructor(
    private readonly pid: number,
    intervalMs = 1000,
  ) {
    const u = procUsage(pid);
    this.startCpu = this.lastCpu = u?.cpuSeconds ?? 0;
    this.lastAt = this.startedAt;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): UsageSample | undefined {
    const u = procUsage(this.pid);
    if (!u) return undefined;
    const at = now();
    const s: UsageSample = {
      t: (at - this.startedAt) / 1000,
      cores: (u.cpuSeconds - this.lastCpu) / Math.max(1e-6, (at - this.lastAt) / 1000),
      rssBytes: u.rssBytes,
      ...(this.pid === process.pid ? { heapUsedBytes: process.memoryUsage().heapUsed } : {}),
    };
    this.lastCpu = u.cpuSeconds;
    this.lastAt = at;
    this.samples.push(s);
    return s;
  }

  /** Average share of a core over the whole sampling period. */
  averageCores(): number {
    const u = procUsage(this.pid);
    const elapsed = (now() - this.startedAt) / 1000;
    return u ? (u.cpuSeconds - this.startCpu) / Math.max(1e-6, elapsed) : NaN;
  }

  stop(): UsageSample[] {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    return this.samples;
  }
}

/** Runs a full GC when the process was started with --expose-gc (scenarios are); no-op otherwise. */
export function fullGc(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
}

/** RSS after a full GC and a moment for the allocator to give memory back. */
export async function settledRss(): Promise<number> {
  fullGc();
  await new Promise((r) => setTimeout(r, 200));
  fullGc();
  return process.memoryUsage().rss;
}
