// The web view's routes on the debug server: the page and its files (/ui...), the session that lets a
// browser use a token (/ui/session), and the live change stream (/debug/events). The page and its
// scripts hold no data (the same code for everyone), so they are served without the token; every
// fact the page shows comes from the token-protected debug JSON.
import type { IncomingMessage } from 'node:http';
import type { DebugSource } from '../source.js';
import type { Route, RouteResult } from '../routes.js';
import { defaultLiveEventsOptions, LiveEvents, type LiveEventsOptions } from './live-events.js';
import { pageAssets, PAGE_SECURITY_HEADERS, type PageAsset, type PageAssets } from './page-assets.js';
import { UiSessions, type UiSessionOptions } from './sessions.js';

/** Per debug server: its sessions and its event streams. */
export interface UiServer {
  sessions: UiSessions;
  events: LiveEvents;
  close(): void;
}

export interface UiServerOptions {
  events?: Partial<LiveEventsOptions>;
  sessions?: Partial<UiSessionOptions>;
}

/**
 * `maxConnections` is the debug server's cap on open connections. An event stream holds its connection
 * for as long as a page is open, so streams may take at most half of them: the JSON reads a change
 * triggers (and every other caller's) always find a connection.
 */
export function createUiServer(source: DebugSource, token: string | undefined, maxConnections: number, options: UiServerOptions = {}): UiServer {
  const sessions = new UiSessions(token, options.sessions);
  const maxStreams = Math.max(1, Math.min(options.events?.maxStreams ?? defaultLiveEventsOptions.maxStreams, Math.floor(maxConnections / 2)));
  const events = new LiveEvents((listener) => source.onChange(listener), { ...options.events, maxStreams }, (id) => sessions.valid(id));
  return { sessions, events, close: () => events.close() };
}

const CACHEABLE = 'private, max-age=86400, immutable';

async function asset(pick: (a: PageAssets) => PageAsset, params: URLSearchParams): Promise<RouteResult> {
  const built = await pageAssets();
  if (!built.ok) return { status: 500, json: { error: built.error } };
  const a = pick(built.assets);
  // Only the URL the page names (with its hash) may be cached; a bare one always gets the current file.
  const cache = params.get('v') === a.version ? CACHEABLE : 'no-cache';
  return { status: 200, text: a.body, contentType: a.contentType, headers: { ...PAGE_SECURITY_HEADERS, 'Cache-Control': cache } };
}

/** A path given with a trailing slash ("/ui/"): the page's relative URLs need "/ui". */
function trailingSlash(req: IncomingMessage): boolean {
  const target = req.url ?? '';
  const path = target.split('?')[0] ?? '';
  return path.length > 1 && path.endsWith('/');
}

export const UI_ROUTES: readonly Route[] = [
  {
    path: '/ui',
    help: 'The web view: the mesh as every network sees it, live (open it in a browser; with a token it asks for it once)',
    public: true,
    handle: async ({ req }) => {
      if (trailingSlash(req)) return { status: 302, text: '', contentType: 'text/plain', headers: { Location: '../ui' } };
      const built = await pageAssets();
      if (!built.ok) return { status: 500, json: { error: built.error } };
      return { status: 200, text: built.assets.html, contentType: 'text/html; charset=utf-8', headers: { ...PAGE_SECURITY_HEADERS } };
    },
  },
  { path: '/ui/app.js', help: 'The web view script (bundled from src/debug/ui/page)', public: true, handle: ({ params }) => asset((a) => a.js, params) },
  { path: '/ui/app.css', help: 'The web view style sheet', public: true, handle: ({ params }) => asset((a) => a.css, params) },
  { path: '/ui/elk-worker.js', help: 'The graph layout engine (elkjs), run by the web view in a worker', public: true, handle: ({ params }) => asset((a) => a.elkWorker, params) },
  {
    path: '/ui/session',
    help: 'With "Authorization: Bearer <token>": a session cookie for the web view (HttpOnly, SameSite=Strict, 1 h idle, 8 h at most); 401 without the token',
    public: true,
    handle: ({ req, ui }): RouteResult => {
      const grant = ui.sessions.grant(req);
      if (grant.status === 401) {
        return { status: 401, json: { error: grant.error }, headers: { 'WWW-Authenticate': 'Bearer realm="horizon-debug"' } };
      }
      const headers: Record<string, string> = grant.setCookie ? { 'Set-Cookie': grant.setCookie } : {};
      return { status: 200, json: grant.body, headers };
    },
  },
  {
    path: '/debug/events',
    help: 'Server-sent events: what changed (clusters, topology, meshNetworks, proxies, service hostnames), merged over 100 ms; a keepalive comment every 15 s; at most 32 open streams',
    handle: ({ req, ui }) => {
      const session = ui.sessions.sessionOf(req);
      return { stream: (res) => ui.events.open(req, res, session) };
    },
  },
];
