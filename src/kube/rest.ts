// A small Kubernetes REST client over node:http(s), authenticated from a client-node KubeConfig.
// Lists parse the raw JSON (no client-node model deserialisation, which is slow for large lists and
// yields objects of a different shape than watch events) and page through `limit`/`continue`.
import http from 'node:http';
import https from 'node:https';
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
}

export class KubeRest {
  readonly server: string;

  constructor(private readonly kubeConfig: KubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
  }

  /** One request; resolves with the parsed JSON body, rejects with KubeRequestError. */
  async request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
    const opts: https.RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const url = new URL(this.server + path);
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string>), accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const transport = url.protocol === 'https:' ? https : http;
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(
        url,
        { ...opts, method, headers, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
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

  /** A full list, paged. */
  async list<T>(path: string, query: { labelSelector?: string; fieldSelector?: string; limit?: number } = {}): Promise<ListResult<T>> {
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
      );
      for (const item of page?.items ?? []) items.push(item);
      resourceVersion = page?.metadata?.resourceVersion ?? resourceVersion;
      cont = page?.metadata?.continue ?? '';
    } while (cont);
    return { resourceVersion, items };
  }
}
