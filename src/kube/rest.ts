// A small Kubernetes REST client over node:http(s), authenticated from a client-node KubeConfig.
// Lists parse the raw JSON (no client-node model deserialisation, which is slow for large lists and
// yields objects of a different shape than watch events) and page through `limit`/`continue`. Watches
// are streamed JSON lines, handed over one event at a time.
//
// An API server named by a remote Secret is untrusted input too: a response body and a watch line are
// bounded in bytes, a handler that throws ends that watch with an error instead of the process, and an
// optional address guard (api-server-address.ts) refuses hosts before any connection is made.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';

export class KubeRequestError extends Error {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

export interface ListResult<T> {
  resourceVersion: string;
  items: T[];
}

export interface RequestOptions {
  method?: string;
  body?: string;
  contentType?: string;
  timeoutMs?: number;
  /** Accept header (default application/json). */
  accept?: string;
}

/** Lists and watches of metadata only, as client-go's metadata informers ask for them. */
export const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
export const METADATA_WATCH_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface WatchEvent<T = unknown> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface WatchOptions {
  query: Record<string, string | undefined>;
  accept?: string;
  /** Each event, in order. */
  onEvent(event: WatchEvent): void;
  /** Once: after the server ended the stream cleanly (err undefined) or it failed. Not called after abort(). */
  onEnd(err?: KubeRequestError): void;
}

export interface WatchHandle {
  abort(): void;
}

export interface KubeRestOptions {
  /** Why a URL host may not be contacted (undefined: it may); checked before every request. */
  deniedHost?(hostname: string): string | undefined;
  /** Resolves host names for this client's connections (e.g. one that refuses some addresses). */
  lookup?: LookupFunction;
  /** Bytes of one response body (a list page); default 256 MiB. */
  maxBodyBytes?: number;
  /** Characters of one watch event line (decoded text); default 32 Mi (etcd keeps objects below ~1.5 MiB). */
  maxEventBytes?: number;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;
const DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024;

export class KubeRest {
  readonly server: string;
  /** Keep-alive agents: client-node hands out a fresh agent per call, i.e. a TLS handshake per request. */
  private tlsAgent: { key: string; agent: https.Agent } | undefined;
  private plainAgent: http.Agent | undefined;

  private readonly maxBodyBytes: number;
  private readonly maxEventBytes: number;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: KubeRestOptions = {},
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  /** Request options with fresh credentials, on a connection pool of this client's own. */
  private async requestOptions(url: URL): Promise<https.RequestOptions> {
    const denied = this.options.deniedHost?.(url.hostname);
    if (denied) throw new KubeRequestError(`${url.origin}: ${denied}; not connecting`, undefined, 'Refused');
    const opts: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const lookup = this.options.lookup ? { lookup: this.options.lookup } : {};
    if (url.protocol === 'http:') {
      opts.agent = this.plainAgent ??= new http.Agent({ keepAlive: true, ...lookup });
      return opts;
    }
    // Only a plain TLS agent is swapped (proxy agents stay as they are), and only for one with the
    // same TLS settings: a rotated certificate gets a new pool.
    if (opts.agent && opts.agent.constructor === https.Agent) {
      const key = [opts.ca, opts.cert, opts.key, opts.pfx, opts.passphrase, opts.rejectUnauthorized, opts.servername].map((v) => (v === undefined ? '' : String(v))).join('\u0000');
      if (this.tlsAgent?.key !== key) {
        this.tlsAgent?.agent.destroy();
        const { ca, cert, key: tlsKey, pfx, passphrase, rejectUnauthorized, servername } = opts;
        this.tlsAgent = { key, agent: new https.Agent({ keepAlive: true, ca, cert, key: tlsKey, pfx, passphrase, rejectUnauthorized, servername, ...lookup }) };
      }
      opts.agent = this.tlsAgent.agent;
    }
    return opts;
  }

  /** Closes idle pooled connections (open watches end with their own abort). */
  close(): void {
    this.tlsAgent?.agent.destroy();
    this.tlsAgent = undefined;
    this.plainAgent?.destroy();
    this.plainAgent = undefined;
  }

  /** One request; resolves with the parsed JSON body, rejects with KubeRequestError. */
  async request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.server + path);
    const opts = await this.requestOptions(url);
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const transport = url.protocol === 'https:' ? https : http;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        { ...opts, method, headers, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxBodyBytes) {
              req.destroy();
              reject(new KubeRequestError(`${method} ${url.pathname}: the response is larger than ${this.maxBodyBytes} bytes`, undefined, undefined));
              return;
            }
            chunks.push(c);
          });
          res.on('error', (err) => reject(new KubeRequestError(`${method} ${url.pathname}: ${err.message}`, undefined, undefined)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let body: unknown;
            try {
              body = text === '' ? undefined : JSON.parse(text);
            } catch {
              body = undefined;
            }
            if (status >= 200 && status < 300) {
              resolve(body as T);
              return;
            }
            const st = (body ?? {}) as { message?: string; reason?: string };
            reject(
              new KubeRequestError(
                `${method} ${url.pathname}: ${status} ${st.reason ?? http.STATUS_CODES[status] ?? ''}${st.message ? `: ${st.message}` : ''}`,
                status,
                st.reason,
              ),
            );
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) =>
        reject(new KubeRequestError(`${method} ${url.origin}${url.pathname}: ${err.message}`, undefined, undefined)),
      );
      if (options.body !== undefined) req.write(options.body);
      req.end();
    });
  }

  /**
   * A streaming watch (`?watch=true`, JSON lines). Resolves once the server answered 200 (the watch is
   * established); rejects with the error status otherwise.
   */
  async watch(path: string, options: WatchOptions): Promise<WatchHandle> {
    const params = new URLSearchParams({ watch: 'true' });
    for (const [k, v] of Object.entries(options.query)) if (v !== undefined && v !== '') params.set(k, v);
    const url = new URL(`${this.server}${path}?${params.toString()}`);
    const opts = await this.requestOptions(url);
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), accept: options.accept ?? 'application/json' };
    const transport = url.protocol === 'https:' ? https : http;
    let aborted = false;
    let ended = false;
    const end = (err?: KubeRequestError) => {
      if (ended || aborted) return;
      ended = true;
      options.onEnd(err);
    };
    return new Promise<WatchHandle>((resolve, reject) => {
      const req = transport.request(url, { ...opts, method: 'GET', headers }, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            // A Status is small: keep its beginning only.
            if (size < 64 * 1024) chunks.push(c);
            size += c.length;
          });
          res.on('error', () => undefined);
          res.on('end', () => {
            let st: { message?: string; reason?: string } = {};
            try {
              st = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              // not a Status
            }
            reject(
              new KubeRequestError(
                `watch ${url.pathname}: ${status} ${st.reason ?? http.STATUS_CODES[status] ?? ''}${st.message ? `: ${st.message}` : ''}`,
                status,
                st.reason,
              ),
            );
          });
          return;
        }
        res.socket?.setKeepAlive(true, 30_000);
        res.setEncoding('utf8');
        let rest = '';
        const fail = (why: string) => {
          rest = '';
          req.destroy();
          end(new KubeRequestError(`watch ${url.pathname}: ${why}`, undefined, undefined));
        };
        res.on('data', (chunk: string) => {
          if (aborted || ended) return;
          let start = 0;
          let nl = chunk.indexOf('\n');
          if (nl < 0) {
            rest += chunk;
            if (rest.length > this.maxEventBytes) fail(`an event is longer than ${this.maxEventBytes} characters`);
            return;
          }
          // The first line may have started in an earlier chunk.
          let line = rest + chunk.slice(0, nl);
          rest = '';
          for (;;) {
            if (line.length > 0) {
              if (line.length > this.maxEventBytes) return fail(`an event is longer than ${this.maxEventBytes} characters`);
              let event: WatchEvent;
              try {
                event = JSON.parse(line) as WatchEvent;
              } catch {
                return fail('the server sent a line that is not JSON');
              }
              try {
                options.onEvent(event);
              } catch (err) {
                // Handlers are meant to catch their own errors; one that escapes ends this watch, not the process.
                return fail(`an event handler failed (${err instanceof Error ? err.message : String(err)})`);
              }
              if (aborted || ended) return;
            }
            start = nl + 1;
            nl = chunk.indexOf('\n', start);
            if (nl < 0) break;
            line = chunk.slice(start, nl);
          }
          rest = chunk.slice(start);
          if (rest.length > this.maxEventBytes) fail(`an event is longer than ${this.maxEventBytes} characters`);
        });
        res.on('end', () => end());
        res.on('error', (err) => end(new KubeRequestError(`watch ${url.pathname}: ${err.message}`, undefined, undefined)));
        res.on('aborted', () => end(new KubeRequestError(`watch ${url.pathname}: the connection was cut`, undefined, undefined)));
        res.on('close', () => {
          if (!res.complete) end(new KubeRequestError(`watch ${url.pathname}: the connection was cut`, undefined, undefined));
        });
        resolve({
          abort: () => {
            aborted = true;
            req.destroy();
          },
        });
      });
      req.on('error', (err) => {
        const e = new KubeRequestError(`watch ${url.origin}${url.pathname}: ${err.message}`, undefined, undefined);
        reject(e);
        end(e);
      });
      req.end();
    });
  }

  /** A full list, paged. */
  async list<T>(path: string, query: { labelSelector?: string; fieldSelector?: string; limit?: number; accept?: string } = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let cont = '';
    let resourceVersion = '';
    do {
      const params = new URLSearchParams();
      params.set('limit', String(query.limit ?? 500));
      if (query.labelSelector) params.set('labelSelector', query.labelSelector);
      if (query.fieldSelector) params.set('fieldSelector', query.fieldSelector);
      if (cont) params.set('continue', cont);
      const page = await this.request<{ metadata?: { resourceVersion?: string; continue?: string }; items?: T[] }>(
        `${path}?${params.toString()}`,
        query.accept ? { accept: query.accept } : {},
      );
      for (const item of page?.items ?? []) items.push(item);
      resourceVersion = page?.metadata?.resourceVersion ?? resourceVersion;
      cont = page?.metadata?.continue ?? '';
    } while (cont);
    return { resourceVersion, items };
  }
}
