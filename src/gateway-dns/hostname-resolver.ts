// Keeps gateway hostnames resolved (A and AAAA), the way istiod's network gateway name cache does:
// - re-resolve when the answer's TTL runs out, the TTL clamped to [30 s, 1 h] (settable) so a tiny TTL
//   cannot cause a push storm and a huge one cannot pin a stale address;
// - an authoritative "no such name / no records" answer is an answer (the gateway goes away);
// - a failure (SERVFAIL, timeout, refused...) keeps the last good answer, records the error and retries
//   after the minimum TTL. Unlike istiod, this is per address family: a failing AAAA query does not
//   drop the IPv4 addresses, nor the other way round;
// - listeners hear about every change of a hostname's address list, so Horizon can rebuild the
//   topology and push.
// The DNS servers are settable, so tests point it at a server on loopback.
import { promises as dnsPromises } from 'node:dns';
import { logger } from '../log.js';
import type { HostnameLookup } from '../topology/types.js';

const log = logger('dns-resolver');

export interface HostnameResolverOptions {
  /** DNS servers (`ip` or `ip:port`); default: the system's. */
  servers?: readonly string[];
  /** TTL bounds in ms; defaults 30 s and 1 h. */
  minTtlMs?: number;
  maxTtlMs?: number;
  /** Per query attempt; default 5 s, 2 tries. */
  timeoutMs?: number;
  tries?: number;
}

export interface HostnameChange {
  hostname: string;
  addresses: readonly string[];
  /** undefined before the first answer. */
  previous: readonly string[] | undefined;
}

export interface HostnameStatus {
  hostname: string;
  /** undefined until the first answer. */
  addresses: readonly string[] | undefined;
  /** The TTL in use after clamping, ms. */
  ttlMs: number | undefined;
  resolvedAt: number | undefined;
  nextRefreshAt: number | undefined;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
}

type Family = 'A' | 'AAAA';

interface Entry {
  /** What status() reports (hostname, addresses in effect, TTL, errors). */
  status: HostnameStatus;
  /** Per family last good answer. */
  v4: string[] | undefined;
  v6: string[] | undefined;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void> | undefined;
  /** Set when the entry is dropped, so a late answer for it is ignored. */
  removed: boolean;
}

/** Error codes that are a real answer: the name or the record type does not exist. */
const NEGATIVE_ANSWERS = new Set(['ENODATA', 'ENOTFOUND']);

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class GatewayHostnameResolver {
  private readonly resolver: dnsPromises.Resolver;
  private readonly minTtlMs: number;
  private readonly maxTtlMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(change: HostnameChange) => void>();
  private stopped = false;

  constructor(options: HostnameResolverOptions = {}) {
    this.resolver = new dnsPromises.Resolver({ timeout: options.timeoutMs ?? 5000, tries: options.tries ?? 2 });
    if (options.servers && options.servers.length > 0) {
      try {
        this.resolver.setServers([...options.servers]);
      } catch (err) {
        throw new Error(`DNS servers ${JSON.stringify(options.servers)} for gateway hostnames are invalid: ${(err as Error).message}`);
      }
    }
    this.minTtlMs = options.minTtlMs ?? 30_000;
    this.maxTtlMs = Math.max(this.minTtlMs, options.maxTtlMs ?? 3_600_000);
  }

  /** Called on every change of a hostname's address list; returns a function that unsubscribes. */
  onChange(listener: (change: HostnameChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sets the hostnames to keep resolved: new ones are resolved now, dropped ones forgotten (timers
   * cleared). Feed it `TopologySnapshot.hostnames` after every topology rebuild.
   */
  watch(hostnames: Iterable<string>): void {
    if (this.stopped) return;
    const wanted = new Set([...hostnames].map((h) => h.toLowerCase()));
    for (const [hostname, entry] of this.entries) {
      if (wanted.has(hostname)) continue;
      entry.removed = true;
      if (entry.timer) clearTimeout(entry.timer);
      this.entries.delete(hostname);
    }
    for (const hostname of wanted) {
      if (this.entries.has(hostname)) continue;
      const entry: Entry = {
        status: {
          hostname,
          addresses: undefined,
          ttlMs: undefined,
          resolvedAt: undefined,
          nextRefreshAt: undefined,
          lastError: undefined,
          lastErrorAt: undefined,
        },
        v4: undefined,
        v6: undefined,
        timer: undefined,
        inFlight: undefined,
        removed: false,
      };
      this.entries.set(hostname, entry);
      void this.refresh(entry);
    }
  }

  /** The current addresses of a watched hostname; undefined if not watched or not answered yet. */
  readonly lookup: HostnameLookup = (hostname) => this.entries.get(hostname.toLowerCase())?.status.addresses;

  status(): HostnameStatus[] {
    return [...this.entries.values()]
      .map((e) => ({ ...e.status }))
      .sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  }

  /** Resolves once every resolution now in flight has finished (tests, CLI). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.inFlight));
  }

  /** Stops all timers and queries; the resolver does nothing afterwards. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      entry.removed = true;
      if (entry.timer) clearTimeout(entry.timer);
    }
    this.entries.clear();
    this.listeners.clear();
    this.resolver.cancel();
  }

  private refresh(entry: Entry): Promise<void> {
    if (entry.inFlight) return entry.inFlight;
    entry.inFlight = this.resolveEntry(entry).finally(() => {
      entry.inFlight = undefined;
    });
    return entry.inFlight;
  }

  private async query(hostname: string, family: Family): Promise<{ addresses: string[]; ttl: number | undefined } | { error: string }> {
    try {
      const records = family === 'A' ? await this.resolver.resolve4(hostname, { ttl: true }) : await this.resolver.resolve6(hostname, { ttl: true });
      const ttl = records.length > 0 ? Math.min(...records.map((r) => r.ttl)) : undefined;
      return { addresses: records.map((r) => r.address), ttl };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
      if (NEGATIVE_ANSWERS.has(code)) return { addresses: [], ttl: undefined };
      return { error: `${family} ${code}` };
    }
  }

  private async resolveEntry(entry: Entry): Promise<void> {
    const status = entry.status;
    const hostname = status.hostname;
    const [a, aaaa] = await Promise.all([this.query(hostname, 'A'), this.query(hostname, 'AAAA')]);
    if (entry.removed || this.stopped) return;
    const now = Date.now();
    const errors: string[] = [];
    const ttls: number[] = [];
    for (const [result, family] of [
      [a, 'v4'],
      [aaaa, 'v6'],
    ] as const) {
      if ('error' in result) errors.push(result.error);
      else {
        entry[family] = result.addresses;
        if (result.ttl !== undefined) ttls.push(result.ttl * 1000);
      }
    }

    let ttlMs: number;
    if (errors.length > 0) {
      // Any family failed: keep its last good answer and try again soon, not after the other
      // family's (maybe hour-long) TTL.
      ttlMs = this.minTtlMs;
    } else {
      // No records at all is a negative answer: retry at the minimum, as istiod does.
      ttlMs = ttls.length > 0 ? Math.min(...ttls) : this.minTtlMs;
      ttlMs = Math.min(this.maxTtlMs, Math.max(this.minTtlMs, ttlMs));
    }
    if (errors.length < 2) status.resolvedAt = now;
    if (errors.length > 0) {
      const error = `resolve ${hostname}: ${errors.join(', ')}`;
      // Warn when it starts failing (or fails differently), not on every retry.
      const level = status.lastError === error ? 'debug' : 'warn';
      log[level]({ hostname, error, kept: status.addresses ?? [] }, 'gateway hostname resolution failed; keeping the last good answer');
      status.lastError = error;
      status.lastErrorAt = now;
    } else {
      if (status.lastError !== undefined) log.info({ hostname }, 'gateway hostname resolves again');
      status.lastError = undefined;
    }
    status.ttlMs = ttlMs;

    const previous = status.addresses;
    const answered = entry.v4 !== undefined || entry.v6 !== undefined;
    const next = answered ? [...new Set([...(entry.v4 ?? []), ...(entry.v6 ?? [])])].sort() : undefined;
    status.addresses = next;

    status.nextRefreshAt = now + ttlMs;
    entry.timer = setTimeout(() => void this.refresh(entry), ttlMs);
    entry.timer.unref();

    if (next !== undefined && !sameList(previous, next) && !(previous === undefined && next.length === 0)) {
      const change: HostnameChange = { hostname, addresses: next, previous };
      for (const listener of [...this.listeners]) {
        try {
          listener(change);
        } catch (err) {
          log.error({ err, hostname }, 'hostname change listener failed');
        }
      }
    }
  }
}
