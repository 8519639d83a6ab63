// The HTTP face of one emulated cluster: Kubernetes REST + watch on 127.0.0.1, TLS and plain HTTP on
// the same port (the first byte of a connection tells which), bearer-token authentication, and the
// test hooks under /_emulator/. A malformed request only ever gets a Status back.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, internalError, methodNotAllowed, pathNotFound, unauthorized, unsupportedMediaType } from './api-error.js';
import type { ClusterState, PatchType } from './cluster-state.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionDocument, type VersionInfo } from './discovery.js';
import { parseFieldSelector } from './field-selector.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from './k8s-protobuf.js';
import type { KObject } from './k8s-object.js';
import { parseLabelSelector } from './label-selector.js';
import { authorize, forbiddenMessage, type Identity, type RbacObjects, type RequestAttributes } from './rbac-authorizer.js';
import { applyMergePatch, isPlainObject } from './merge-patch.js';
import { applyJsonPatch } from './json-patch.js';
import { openApiV2, openApiV3GroupVersion, openApiV3Root } from './openapi.js';
import { groupVersion, type ResourceType } from './resource-types.js';
import type { SelfSignedCert } from './self-signed-cert.js';
import { toTable } from './table.js';
import { negotiateForm } from './media-types.js';
import { EventLineCache, WatchStream, type WatchFilter } from './watch-stream.js';
import type { Logger } from '../log.js';

const maxBodyBytes = 3 * 1024 * 1024;

export interface FaultHooks {
  dropWatches(): number;
  compactHistory(): void;
  setPodReady(namespace: string, name: string, ready: boolean): KObject;
  /** Stops the server, waits, and starts it again on the same port. */
  restart(downMs: number): Promise<void>;
}

export interface ApiServerOptions {
  state: ClusterState;
  /** The cluster's admin token: full access, like a system:masters client certificate. */
  token: string;
  /** Service-account tokens issued by the cluster's token controller; RBAC decides what they may do. */
  serviceAccountIdentity: (token: string) => Identity | undefined;
  rbac: RbacObjects;
  version: VersionInfo;
  tls: SelfSignedCert;
  bookmarkIntervalMs: number;
  maxWatchBufferedBytes: number;
  slowWatcherGraceMs: number;
  faults: FaultHooks;
  logger: Logger;
  describe: () => object;
}

interface Route {
  type: ResourceType;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  watch: boolean;
}

export class ApiServer {
  private readonly opts: ApiServerOptions;
  private readonly lines: EventLineCache;
  private readonly watches = new Set<WatchStream>();
  private readonly sockets = new Set<net.Socket>();
  private plain: http.Server;
  private secure: https.Server;
  private listener: net.Server | undefined;
  private port = 0;
  private accepted = 0;
  /** The /openapi/v3 root (every group-version document built and SHA-512 hashed), built on first
   *  request: the served types are fixed for the server's life. */
  private openApiRoot: string | undefined;

  constructor(opts: ApiServerOptions) {
    this.opts = opts;
    this.lines = new EventLineCache(opts.state.store.json);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err) => this.fail(res, err));
    };
    this.plain = http.createServer({ keepAliveTimeout: 30_000 }, handler);
    this.secure = https.createServer({ key: opts.tls.key, cert: opts.tls.cert, keepAliveTimeout: 30_000 }, handler);
    for (const s of [this.plain, this.secure]) {
      s.on('clientError', (_err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
      });
    }
    this.secure.on('tlsClientError', () => undefined);
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** TCP connections accepted since the server was built (clients that pool connections keep this low). */
  get connectionsAccepted(): number {
    return this.accepted;
  }

  async listen(port: number): Promise<number> {
    const listener = net.createServer((socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.once('data', (first) => {
        socket.pause();
        socket.unshift(first);
        // TLS records start with 0x16 (handshake); anything else is plain HTTP.
        (first[0] === 0x16 ? this.secure : this.plain).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      listener.once('error', onError);
      listener.listen(port, '127.0.0.1', () => {
        listener.off('error', onError);
        resolve();
      });
    });
    this.listener = listener;
    this.port = (listener.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Ends every watch cleanly (clients re-watch). */
  dropWatches(): number {
    const n = this.watches.size;
    for (const w of [...this.watches]) w.end();
    return n;
  }

  async close(): Promise<void> {
    this.dropWatches();
    const l = this.listener;
    this.listener = undefined;
    if (!l) return;
    const closed = new Promise<void>((resolve) => l.close(() => resolve()));
    // Give ended watches a moment to flush their last bytes, then cut what is left (idle keep-alive
    // connections, clients that stopped reading).
    const deadline = Date.now() + 250;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  // ---------- request handling ----------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const who = this.authenticate(req);
    if (!who) throw unauthorized();
    const url = new URL(req.url ?? '/', 'http://emulated');
    const segs = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const q = url.searchParams;
    const { state } = this.opts;
    const reg = state.registry;
    if (segs[0] === '_emulator') {
      // The test hooks can end watches and restart the server: admin token only, whatever RBAC says
      // (cluster-admin's nonResourceURLs ['*'] would otherwise let a service account in).
      if (who !== 'admin') throw new ApiError(403, 'Forbidden', `${forbiddenMessage(who, { kind: 'nonResource', verb: method.toLowerCase(), path: url.pathname })}: the emulator's test hooks are for the admin token only`);
      return this.handleFault(req, res, segs.slice(1), q);
    }
    const route = this.route(segs, q);
    if (who !== 'admin') this.checkAccess(who, route ? resourceAttributes(route, method) : { kind: 'nonResource', verb: method.toLowerCase(), path: url.pathname });

    if (method === 'GET') {
      if (segs.length === 1 && segs[0] === 'version') return this.send(res, 200, versionDocument(this.opts.version));
      if (segs.length === 1 && ['healthz', 'livez', 'readyz'].includes(segs[0]!)) return this.sendText(res, 200, 'ok');
      if (segs.length === 1 && segs[0] === 'api') return this.send(res, 200, apiVersions(`127.0.0.1:${this.port}`));
      if (segs.length === 1 && segs[0] === 'apis') return this.send(res, 200, apiGroupList(reg));
      if (segs.length === 2 && segs[0] === 'api') return this.sendOr404(res, apiResourceList(reg, '', segs[1]!));
      if (segs.length === 2 && segs[0] === 'apis') return this.sendOr404(res, apiGroup(reg, segs[1]!));
      if (segs.length === 3 && segs[0] === 'apis') return this.sendOr404(res, apiResourceList(reg, segs[1]!, segs[2]!));
      if (segs[0] === 'openapi') return this.handleOpenApi(req, res, segs.slice(1));
    }
    if (!route) throw pathNotFound();
    return this.handleResource(req, res, route, q, method);
  }

  /** 'admin' for the cluster's own token, the service account for a token it issued, else undefined. */
  private authenticate(req: IncomingMessage): Identity | 'admin' | undefined {
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return undefined;
    const token = h.slice(7).trim();
    const given = Buffer.from(token);
    const want = Buffer.from(this.opts.token);
    if (given.length === want.length && timingSafeEqual(given, want)) return 'admin';
    return this.opts.serviceAccountIdentity(token);
  }

  private checkAccess(who: Identity, attributes: RequestAttributes): void {
    const decision = authorize(who, attributes, this.opts.rbac);
    if (decision.allowed) return;
    const details = attributes.kind === 'resource' ? { ...(attributes.name !== undefined ? { name: attributes.name } : {}), group: attributes.apiGroup, kind: attributes.resource } : undefined;
    throw new ApiError(403, 'Forbidden', decision.message, details);
  }

  private handleOpenApi(req: IncomingMessage, res: ServerResponse, segs: string[]): void {
    const { registry } = this.opts.state;
    const gitVersion = this.opts.version.gitVersion;
    if (segs.length === 1 && segs[0] === 'v2') {
      const accept = req.headers.accept ?? '';
      if (accept !== '' && !/json|\*\/\*/.test(accept)) {
        throw new ApiError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2');
      }
      return this.send(res, 200, openApiV2(registry, gitVersion));
    }
    if (segs[0] === 'v3') {
      if (segs.length === 1) {
        this.openApiRoot ??= JSON.stringify(openApiV3Root(registry, gitVersion));
        return this.sendRaw(res, 200, this.openApiRoot);
      }
      const rest = segs.slice(1);
      let doc: object | undefined;
      if (rest[0] === 'api' && rest.length === 2) doc = openApiV3GroupVersion(registry, '', rest[1]!, gitVersion);
      if (rest[0] === 'apis' && rest.length === 3) doc = openApiV3GroupVersion(registry, rest[1]!, rest[2]!, gitVersion);
      return this.sendOr404(res, doc);
    }
    throw pathNotFound();
  }

  private route(segs: string[], q: URLSearchParams): Route | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1]!;
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1]!;
      version = segs[2]!;
      rest = segs.slice(3);
    } else return undefined;
    let watch = q.get('watch') === 'true' || q.get('watch') === '1';
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    const reg = this.opts.state.registry;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && reg.byResource(group, version, rest[2]!)?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = reg.byResource(group, version, rest[0] ?? '');
    if (!type || rest.length > 3) return undefined;
    if (!type.namespaced && namespace !== undefined) return undefined;
    const name = rest[1];
    if (type.namespaced && name !== undefined && namespace === undefined) return undefined;
    const subresource = rest[2];
    if (subresource !== undefined && !type.subresources.includes(subresource as 'status' | 'scale')) return undefined;
    return { type, version, namespace, name, subresource, watch };
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams, method: string): Promise<void> {
    const { state } = this.opts;
    const dryRun = q.getAll('dryRun').includes('All');
    const what = `${groupVersion(r.type.group, r.version)} ${r.type.resource}`;
    if (r.name === undefined) {
      switch (method) {
        case 'GET':
          if (r.watch) return this.watch(req, res, r, q);
          return this.list(req, res, r, q);
        case 'POST': {
          const body = await this.readObject(req, r);
          const created = state.create(r.type, body, { namespace: r.namespace, dryRun });
          return this.sendObject(res, 201, created, r);
        }
        case 'DELETE':
          return this.deleteCollection(req, res, r, q, dryRun);
        default:
          throw methodNotAllowed(method, what);
      }
    }
    if (r.subresource === 'scale') return this.handleScale(req, res, r, method, dryRun);
    const sub = r.subresource === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET':
        if (r.watch) return this.watch(req, res, { ...r, name: undefined }, withNameSelector(q, r.name));
        return this.sendObject(res, 200, state.get(r.type, r.namespace, r.name), r, req);
      case 'PUT': {
        const body = await this.readObject(req, r);
        return this.sendObject(res, 200, state.update(r.type, body, { namespace: r.namespace, name: r.name, subresource: sub, dryRun }), r);
      }
      case 'PATCH': {
        const { patchType, patch } = await this.readPatch(req);
        return this.sendObject(res, 200, state.patch(r.type, r.namespace, r.name, patchType, patch, { subresource: sub, dryRun }), r);
      }
      case 'DELETE': {
        if (sub) throw methodNotAllowed(method, `${what}/status`);
        const opts = await this.readDeleteOptions(req, q);
        const before = state.get(r.type, r.namespace, r.name);
        const after = state.delete(r.type, r.namespace, r.name, { ...opts, dryRun });
        if (state.tryGet(r.type, r.namespace, r.name) && !dryRun) return this.sendObject(res, 200, after, r);
        return this.send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: r.name, group: r.type.group, kind: r.type.resource, uid: before.metadata.uid },
        });
      }
      default:
        throw methodNotAllowed(method, what);
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const { state } = this.opts;
    const limit = q.get('limit');
    const result = state.list(r.type, {
      namespace: r.namespace,
      labelSelector: parseLabelSelector(q.get('labelSelector')),
      fieldSelector: parseFieldSelector(q.get('fieldSelector'), r.type.kind),
      limit: limit ? Number(limit) : undefined,
      continue: q.get('continue') ?? undefined,
    });
    const form = negotiateForm(req.headers.accept, 'list');
    if (form === 'table') {
      return this.send(res, 200, toTable(r.type.kind, result.items, result.resourceVersion, result));
    }
    const json = state.store.json;
    const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) meta.continue = result.continue;
    if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
    const head =
      form === 'metadata'
        ? `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${JSON.stringify(meta)},"items":[`
        : `{"kind":"${r.type.kind}List","apiVersion":"${groupVersion(r.type.group, r.version)}","metadata":${JSON.stringify(meta)},"items":[`;
    const parts: string[] = [];
    for (const o of result.items) parts.push(json.formJson(o, r.type, r.version, form));
    this.sendRaw(res, 200, `${head}${parts.join(',')}]}`);
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const { state } = this.opts;
    // A Table watch (kubectl get -w) gets objects, as before; metadata-only watches get PartialObjectMetadata.
    const form = negotiateForm(req.headers.accept, 'watch') === 'metadata' ? 'metadata' : 'object';
    const filter: WatchFilter = {
      namespace: r.namespace,
      labels: parseLabelSelector(q.get('labelSelector')),
      fields: parseFieldSelector(q.get('fieldSelector'), r.type.kind),
    };
    const rvText = q.get('resourceVersion') ?? '';
    if (rvText !== '' && !/^\d+$/.test(rvText)) throw badRequest(`invalid resource version: ${JSON.stringify(rvText)}`);
    const timeout = q.get('timeoutSeconds');
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const stream = new WatchStream(
      res,
      {
        type: r.type,
        version: r.version,
        form,
        filter,
        json: state.store.json,
        currentRv: () => state.store.resourceVersion,
        bookmarkIntervalMs: bookmarks ? this.opts.bookmarkIntervalMs : undefined,
        timeoutMs: timeout && /^\d+$/.test(timeout) ? Number(timeout) * 1000 : undefined,
        maxBufferedBytes: this.opts.maxWatchBufferedBytes,
        slowWatcherGraceMs: this.opts.slowWatcherGraceMs,
      },
      this.lines,
    );
    const collection = state.store.collection(r.type);
    this.watches.add(stream);
    stream.whenClosed(() => {
      this.watches.delete(stream);
      collection.sinks.delete(stream);
    });
    const rv = rvText === '' ? 0 : Number(rvText);
    if (rv === 0) {
      for (const o of collection.list(r.namespace)) stream.sendExisting(o);
      if (q.get('sendInitialEvents') === 'true' && bookmarks) stream.bookmark({ 'k8s.io/initial-events-end': 'true' });
    } else {
      const events = collection.eventsSince(rv);
      if (!events) {
        stream.error(new ApiError(410, 'Expired', `too old resource version: ${rv} (${collection.oldestResumableRv})`).toStatus());
        return;
      }
      for (const e of events) stream.deliver(e);
    }
    if (!stream.isClosed) collection.sinks.add(stream);
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams, dryRun: boolean): Promise<void> {
    const { state } = this.opts;
    const opts = await this.readDeleteOptions(req, q);
    const result = state.list(r.type, {
      namespace: r.namespace,
      labelSelector: parseLabelSelector(q.get('labelSelector')),
      fieldSelector: parseFieldSelector(q.get('fieldSelector'), r.type.kind),
    });
    const deleted = state.batch(() => result.items.map((o) => state.delete(r.type, o.metadata.namespace, o.metadata.name!, { ...opts, dryRun })));
    const json = state.store.json;
    this.sendRaw(res, 200, `{"kind":"${r.type.kind}List","apiVersion":"${groupVersion(r.type.group, r.version)}","metadata":{"resourceVersion":"${state.store.resourceVersion}"},"items":[${deleted.map((o) => json.json(o, r.type, r.version)).join(',')}]}`);
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, r: Route, method: string, dryRun: boolean): Promise<void> {
    const { state } = this.opts;
    const d = state.get(r.type, r.namespace, r.name!);
    const scaleOf = (o: KObject): Record<string, unknown> => {
      const spec = (o.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
      const status = (o.status ?? {}) as { replicas?: number };
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
        spec: { replicas: spec.replicas ?? 1 },
        status: { replicas: status.replicas ?? 0, selector: Object.entries(spec.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
      };
    };
    let next: Record<string, unknown>;
    if (method === 'GET') return this.send(res, 200, scaleOf(d));
    if (method === 'PUT') next = (await this.readJsonLike(req)) as Record<string, unknown>;
    else if (method === 'PATCH') {
      const { patchType, patch } = await this.readPatch(req);
      next = (patchType === 'json' ? applyJsonPatch(scaleOf(d), patch) : applyMergePatch(scaleOf(d), patch)) as Record<string, unknown>;
    } else throw methodNotAllowed(method, `${r.type.resource}/scale`);
    if (!isPlainObject(next)) throw badRequest('Scale body must be an object');
    const replicas = (next.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${r.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
    }
    const rv = (next.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    const patch: Record<string, unknown> = { spec: { replicas } };
    if (rv) patch.metadata = { resourceVersion: rv };
    const updated = state.patch(r.type, r.namespace, r.name!, 'merge', patch, { dryRun });
    return this.send(res, 200, scaleOf(updated));
  }

  private async handleFault(req: IncomingMessage, res: ServerResponse, segs: string[], q: URLSearchParams): Promise<void> {
    const f = this.opts.faults;
    const method = req.method ?? 'GET';
    if (method === 'GET' && segs.length === 1 && segs[0] === 'info') return this.send(res, 200, this.opts.describe());
    if (method !== 'POST') throw methodNotAllowed(method, `/_emulator/${segs.join('/')}`);
    await readBody(req);
    if (segs.length === 1 && segs[0] === 'drop-watches') return this.send(res, 200, { dropped: f.dropWatches() });
    if (segs.length === 1 && segs[0] === 'compact') {
      f.compactHistory();
      return this.send(res, 200, { compactedAt: this.opts.state.store.resourceVersion });
    }
    if (segs.length === 4 && segs[0] === 'pods' && (segs[3] === 'ready' || segs[3] === 'not-ready')) {
      const pod = f.setPodReady(segs[1]!, segs[2]!, segs[3] === 'ready');
      return this.send(res, 200, pod);
    }
    if (segs.length === 1 && segs[0] === 'restart') {
      const downMs = Number(q.get('downMs') ?? '0');
      this.send(res, 202, { restarting: true, downMs });
      res.once('finish', () => void f.restart(Number.isFinite(downMs) ? downMs : 0));
      return;
    }
    throw pathNotFound();
  }

  // ---------- bodies ----------

  private async readObject(req: IncomingMessage, r: Route): Promise<Record<string, unknown>> {
    const body = await this.readJsonLike(req);
    if (!isPlainObject(body)) throw badRequest(`the body of the request must be a ${r.type.kind} object`);
    return body;
  }

  /** JSON, YAML or Kubernetes protobuf, by Content-Type. */
  private async readJsonLike(req: IncomingMessage): Promise<unknown> {
    const ct = mediaType(req.headers['content-type']);
    const body = await readBody(req);
    if (ct === '' || ct === 'application/json') return parseJson(body);
    if (ct === 'application/yaml' || ct === 'application/x-yaml' || ct === 'text/yaml') return parseYamlBody(body);
    if (isKubernetesProtobuf(ct)) return decodeKubernetesProtobuf(body);
    throw unsupportedMediaType(ct, ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
  }

  private async readPatch(req: IncomingMessage): Promise<{ patchType: PatchType; patch: unknown }> {
    const ct = mediaType(req.headers['content-type']);
    const types: Record<string, PatchType> = {
      'application/json-patch+json': 'json',
      'application/merge-patch+json': 'merge',
      'application/strategic-merge-patch+json': 'strategic',
      'application/apply-patch+yaml': 'apply',
      'application/apply-patch+cbor': 'apply',
    };
    const patchType = types[ct];
    if (!patchType || ct === 'application/apply-patch+cbor') throw unsupportedMediaType(ct, Object.keys(types).filter((t) => !t.endsWith('cbor')));
    const body = await readBody(req);
    return { patchType, patch: patchType === 'apply' ? parseYamlBody(body) : parseJson(body) };
  }

  private async readDeleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<{ gracePeriodSeconds?: number; propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'; preconditions?: { uid?: string; resourceVersion?: string } }> {
    const raw = await readBody(req);
    const body = raw.length ? parseJson(raw) : {};
    const o = isPlainObject(body) ? body : {};
    const grace = q.get('gracePeriodSeconds') ?? (o.gracePeriodSeconds as number | undefined);
    const policy = q.get('propagationPolicy') ?? (o.propagationPolicy as string | undefined) ?? (o.orphanDependents === true ? 'Orphan' : undefined);
    const out: { gracePeriodSeconds?: number; propagationPolicy?: 'Orphan' | 'Background' | 'Foreground'; preconditions?: { uid?: string; resourceVersion?: string } } = {};
    if (grace !== undefined && grace !== null && Number(grace) >= 0) out.gracePeriodSeconds = Number(grace);
    if (policy === 'Orphan' || policy === 'Background' || policy === 'Foreground') out.propagationPolicy = policy;
    if (isPlainObject(o.preconditions)) out.preconditions = o.preconditions as { uid?: string; resourceVersion?: string };
    return out;
  }

  // ---------- responses ----------

  private sendObject(res: ServerResponse, code: number, obj: KObject, r: Route, req?: IncomingMessage): void {
    const form = req ? negotiateForm(req.headers.accept, 'get') : 'object';
    if (form === 'table') return this.send(res, code, toTable(r.type.kind, [obj], obj.metadata.resourceVersion ?? ''));
    this.sendRaw(res, code, this.opts.state.store.json.formJson(obj, r.type, r.version, form));
  }

  private sendOr404(res: ServerResponse, doc: object | undefined): void {
    if (!doc) throw pathNotFound();
    this.send(res, 200, doc);
  }

  private send(res: ServerResponse, code: number, body: object): void {
    this.sendRaw(res, code, JSON.stringify(body));
  }

  private sendRaw(res: ServerResponse, code: number, text: string): void {
    if (res.headersSent) return;
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  }

  private sendText(res: ServerResponse, code: number, text: string): void {
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private fail(res: ServerResponse, err: unknown): void {
    const e = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
    if (!(err instanceof ApiError)) this.opts.logger.error({ err }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    this.sendRaw(res, e.code, JSON.stringify(e.toStatus()));
  }
}

/** The RBAC verb and resource of a request, as the real server's request-info resolver works them out. */
function resourceAttributes(r: Route, method: string): RequestAttributes {
  const collection = r.name === undefined;
  const verbs: Record<string, string> = { GET: collection ? 'list' : 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: collection ? 'deletecollection' : 'delete' };
  return {
    kind: 'resource',
    verb: r.watch ? 'watch' : (verbs[method] ?? method.toLowerCase()),
    apiGroup: r.type.group,
    resource: r.type.resource,
    ...(r.subresource !== undefined ? { subresource: r.subresource } : {}),
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    ...(r.name !== undefined ? { name: r.name } : {}),
  };
}

function withNameSelector(q: URLSearchParams, name: string): URLSearchParams {
  const out = new URLSearchParams(q);
  const fs = out.get('fieldSelector');
  out.set('fieldSelector', fs ? `${fs},metadata.name=${name}` : `metadata.name=${name}`);
  return out;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > maxBodyBytes) {
        failed = true;
        reject(new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${maxBodyBytes} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (!failed) reject(badRequest(`could not read the request body: ${err.message}`));
    });
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'), { prettyErrors: false });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}
