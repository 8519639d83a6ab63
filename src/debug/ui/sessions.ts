// How a browser reads a token-protected debug API. Scripts can send `Authorization`, but EventSource
// cannot, and a page should not keep the token where its scripts can read it. So the page sends the
// token once, in the Authorization header of GET /ui/session (never in a URL: URLs end up in history
// and logs), and gets a session cookie: random, HttpOnly (scripts cannot read it), SameSite=Strict (no
// other site's page sends it), expiring after an idle hour and eight hours at most, kept in memory
// only (a restart signs everyone out). The cookie then counts as the token for every debug request,
// except from a page of another site (Sec-Fetch-Site), and except for minting a new session.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LRUCache } from 'lru-cache';
import { bearerMatches } from '../auth.js';

export const SESSION_COOKIE = 'horizon_debug_session';

export interface UiSessionOptions {
  idleMs: number;
  maxAgeMs: number;
  /** Sessions kept at most; the least recently used goes first. */
  maxSessions: number;
}

export const defaultUiSessionOptions: Readonly<UiSessionOptions> = Object.freeze({
  idleMs: 60 * 60_000,
  maxAgeMs: 8 * 60 * 60_000,
  maxSessions: 256,
});

export type SessionGrant =
  | { status: 200; body: { session: 'created' | 'not-needed'; maxAgeSeconds?: number; idleSeconds?: number }; setCookie?: string }
  | { status: 401; error: string };

export class UiSessions {
  private readonly options: UiSessionOptions;
  /** id -> when it was created (ms); lru-cache drops idle ones. */
  private readonly sessions: LRUCache<string, { createdAt: number }>;

  constructor(
    private readonly token: string | undefined,
    options: Partial<UiSessionOptions> = {},
  ) {
    this.options = { ...defaultUiSessionOptions, ...options };
    this.sessions = new LRUCache({ max: this.options.maxSessions, ttl: this.options.idleMs, updateAgeOnGet: true });
  }

  /** GET /ui/session: a new session for a request that carries the token (nothing needed without one). */
  grant(req: IncomingMessage): SessionGrant {
    if (this.token === undefined) return { status: 200, body: { session: 'not-needed' } };
    if (!bearerMatches(req.headers.authorization, this.token)) {
      return { status: 401, error: 'wrong or missing token: send it as "Authorization: Bearer <token>"' };
    }
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { createdAt: Date.now() });
    const maxAge = Math.floor(this.options.maxAgeMs / 1000);
    return {
      status: 200,
      body: { session: 'created', maxAgeSeconds: maxAge, idleSeconds: Math.floor(this.options.idleMs / 1000) },
      setCookie: `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}`,
    };
  }

  /** The session a request authenticates with, if any (refreshing its idle time); undefined otherwise. */
  sessionOf(req: IncomingMessage): string | undefined {
    if (this.token === undefined) return undefined;
    // Belt and braces beside SameSite: a browser says when another site's page sent the request.
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return undefined;
    const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return undefined;
    const s = this.sessions.get(id);
    if (!s) return undefined;
    if (Date.now() - s.createdAt > this.options.maxAgeMs) {
      this.sessions.delete(id);
      return undefined;
    }
    return id;
  }

  /** Whether a session still counts, without refreshing it (an open event stream is not activity). */
  valid(id: string): boolean {
    const s = this.sessions.peek(id);
    return s !== undefined && Date.now() - s.createdAt <= this.options.maxAgeMs;
  }

  get size(): number {
    return this.sessions.size;
  }
}

/** One cookie's value from a Cookie header; undefined when absent or malformed. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}
