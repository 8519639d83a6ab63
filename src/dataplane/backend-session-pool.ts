// One pooled HTTP/2 (h2c) client session per backend address. A session leaves the pool as soon as
// it is going away (GOAWAY, error, close), so the next call opens a fresh one while calls already
// on the old session finish there.
import http2 from 'node:http2';
import type { Logger } from '../log.js';
import type { BackendAddress } from './endpoint-resolver.js';
import { hostPort } from '../util/host-port.js';

export interface BackendSessionPoolOptions {
  /** A backend that has not completed the HTTP/2 handshake by then is given up (default 5000 ms). */
  connectTimeoutMs?: number;
  /** A session without any activity for this long is closed gracefully (default 120000 ms). */
  idleTimeoutMs?: number;
  log: Logger;
}

export class BackendSessionPool {
  readonly #sessions = new Map<string, http2.ClientHttp2Session>();
  readonly #all = new Set<http2.ClientHttp2Session>();
  readonly #connectTimeoutMs: number;
  readonly #idleTimeoutMs: number;
  readonly #log: Logger;
  #closed = false;

  constructor(options: BackendSessionPoolOptions) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? 120_000;
    this.#log = options.log;
  }

  /** The pooled session to `backend`, connecting if there is none usable. */
  session(backend: BackendAddress): http2.ClientHttp2Session {
    if (this.#closed) throw new Error('backend session pool is closed');
    const key = hostPort(backend.address, backend.port);
    const existing = this.#sessions.get(key);
    if (existing && !existing.closed && !existing.destroyed) return existing;

    const session = http2.connect(`http://${key}`);
    this.#sessions.set(key, session);
    this.#all.add(session);
    const forget = () => {
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
    };
    const timer = setTimeout(() => {
      session.destroy(new Error(`no HTTP/2 handshake within ${this.#connectTimeoutMs} ms`));
    }, this.#connectTimeoutMs);
    timer.unref();
    // The peer's SETTINGS, not the TCP connect, shows an HTTP/2 server is really there.
    session.once('remoteSettings', () => clearTimeout(timer));
    session.on('goaway', forget);
    // Backends come and go with pods; an idle session to a gone pod should not linger forever.
    session.setTimeout(this.#idleTimeoutMs, () => session.close());
    session.on('error', (err) => {
      forget();
      this.#log.debug({ backend: key, err: err.message }, 'backend session error');
    });
    session.once('close', () => {
      clearTimeout(timer);
      forget();
      this.#all.delete(session);
    });
    return session;
  }

  /** Sessions currently open (pooled or draining), for stats. */
  get size(): number {
    return this.#all.size;
  }

  close(): void {
    this.#closed = true;
    for (const session of this.#all) session.destroy();
    this.#all.clear();
    this.#sessions.clear();
  }
}
