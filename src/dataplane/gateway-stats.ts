// Call counters of an east-west gateway, kept per service (normalised `<fqdn>:<port>`) and per
// backend (`<address>:<port>`), so tests and the demo can tell which network's gateway a call took.

export interface CallCounters {
  /** Calls handed to a backend. */
  forwarded: number;
  /** Calls the gateway could not complete: no ready endpoint, backend unreachable, or reset mid-call. */
  failed: number;
}

export interface GatewayStats {
  network: string;
  address: string;
  port: number;
  /** Keyed by `<name>.<ns>.svc.<domain>:<port>`, whichever form the caller used. */
  authorities: Record<string, CallCounters>;
  /** Keyed by backend `<address>:<port>`. */
  backends: Record<string, CallCounters>;
  /** Calls whose `:authority` names no service, keyed by the authority as sent. */
  rejected: Record<string, number>;
  /** HTTP/2 sessions to backends currently open (pooled or draining). */
  backendSessions: number;
}

/** Where counts go once a map holds `maxKeys` names, so that callers inventing names cannot grow it without bound. */
export const overflowKey = '(other)';

export class GatewayCounters {
  readonly #maxKeys: number;
  readonly #authorities = new Map<string, CallCounters>();
  readonly #backends = new Map<string, CallCounters>();
  readonly #rejected = new Map<string, number>();

  constructor(maxKeys = 1000) {
    this.#maxKeys = maxKeys;
  }

  #bounded<V>(map: Map<string, V>, key: string): string {
    return map.has(key) || map.size < this.#maxKeys ? key : overflowKey;
  }

  #counters(map: Map<string, CallCounters>, wanted: string): CallCounters {
    const key = this.#bounded(map, wanted);
    let counters = map.get(key);
    if (!counters) map.set(key, (counters = { forwarded: 0, failed: 0 }));
    return counters;
  }

  forwarded(authority: string, backend: string): void {
    this.#counters(this.#authorities, authority).forwarded++;
    this.#counters(this.#backends, backend).forwarded++;
  }

  /** `backend` is undefined when the call never reached one (no ready endpoint). */
  failed(authority: string, backend?: string): void {
    this.#counters(this.#authorities, authority).failed++;
    if (backend !== undefined) this.#counters(this.#backends, backend).failed++;
  }

  rejected(authority: string): void {
    const key = this.#bounded(this.#rejected, authority);
    this.#rejected.set(key, (this.#rejected.get(key) ?? 0) + 1);
  }

  /** A copy: later calls do not change what was returned. */
  snapshot(): Pick<GatewayStats, 'authorities' | 'backends' | 'rejected'> {
    const copy = (map: Map<string, CallCounters>) =>
      Object.fromEntries([...map].map(([key, counters]) => [key, { ...counters }]));
    return {
      authorities: copy(this.#authorities),
      backends: copy(this.#backends),
      rejected: Object.fromEntries(this.#rejected),
    };
  }
}
