// One ADS stream and everything it owns: the client's node, a TypeState per resource type (subscription,
// what the client has, ACK/NACK records, pending work), and its entries in the server's subscription
// index. Its protocol (state of the world or delta) reads requests into it and shapes responses; pushes
// mark work dirty through the index; flush() turns dirty work into responses, in make-before-break
// order, with at most one response per type waiting in grpc-js's buffer. While one waits, later changes
// merge into the dirty set (latest state wins), so a slow client costs bounded memory.
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { Limits } from '../../limits.js';
import type { Logger } from '../../log.js';
import type { EncodedResource } from '../codec/any.js';
import { clip, type RequestBounds } from '../codec/requests.js';
import { errorText, type Decoded } from '../codec/result.js';
import { limitExceeded } from '../../limits.js';
import type { XdsNode } from '../xds-node.js';
import { isKnownType, kindOf, PUSH_ORDER } from '../type-urls.js';
import type { StreamAdmission } from './admission.js';
import type { ClientReports } from './client-reports.js';
import type { PushSentEvent, StreamKind, XdsServerObserver } from './observer.js';
import type { OutMessage, StreamProtocol, TypeDiff } from './protocol.js';
import type { XdsResourceProvider } from './provider.js';
import type { ConnectionSnapshot, TypeSnapshot } from './snapshot.js';
import type { SubscriptionIndex } from './subscription-index.js';
import { TypeState, type Dirty } from './type-state.js';

export type Call = grpc.ServerDuplexStream<Buffer, Buffer>;
export type ConnTypeState = TypeState<Connection>;

export interface ConnectionContext {
  provider: XdsResourceProvider;
  index: SubscriptionIndex<ConnTypeState>;
  observer: XdsServerObserver | undefined;
  reports: ClientReports;
  log: Logger;
  limits: Readonly<Limits>;
  /** What one request may carry (from limits). */
  bounds: RequestBounds;
  /** Names held per client address over its streams (limits.namesPerClientAddress). */
  admission: Pick<StreamAdmission, 'checkNames' | 'addNames'>;
  /** The server's current version (push sequence). */
  version(): string;
  closed(conn: Connection): void;
}

/** Distinct unknown type URLs remembered per stream (a client decides them), and how much of each. */
const MAX_UNKNOWN_TYPES = 16;
const MAX_TYPE_URL_CHARS = 256;

/** Records in st.sent what a written message gives the client. */
function applySent(m: OutMessage): void {
  const st = m.st;
  if (m.replaceSent) {
    const sent = new Map<string, string>();
    for (const r of m.replaceSent) sent.set(r.name, r.version);
    st.sent = sent;
  }
  if (m.setSent) for (const r of m.setSent) st.sent.set(r.name, r.version);
  if (m.deleteSent) for (const n of m.deleteSent) st.sent.delete(n);
}

export class Connection {
  node: XdsNode | undefined;
  readonly types = new Map<string, ConnTypeState>();
  readonly connectedAt = Date.now();
  readonly kind: StreamKind;
  blocked = false;
  closed = false;
  /** In the server's flush queue (set and cleared by the server). */
  queued = false;
  /** The last push that touched this connection (the server's dedupe mark). */
  pushSeq = 0;
  /** Explicitly subscribed names over all types (limits.namesPerStream). */
  nameCount = 0;
  private readonly unknownTypes = new Map<string, { requests: number; lastAt: number }>();
  private nonceSeq = 0;
  private triggerAt = performance.now();
  private trigger: 'push' | 'request' = 'request';
  /** Oldest watch event (ms epoch) behind the pushes not yet fully written; undefined when none. */
  private pushSince: number | undefined;

  constructor(
    readonly id: string,
    readonly protocol: StreamProtocol,
    readonly ctx: ConnectionContext,
    private readonly call: Call,
    /** The client's address and port (grpc-js's peer): one HTTP/2 connection. */
    readonly peer: string,
  ) {
    this.kind = protocol.kind;
  }

  start(): void {
    this.call.on('data', (bytes: Buffer) => {
      if (this.closed) return;
      this.trigger = 'request';
      this.triggerAt = performance.now();
      try {
        this.protocol.onRequest(this, bytes);
      } catch (err) {
        // A bug in request handling ends this stream only.
        this.ctx.log.error({ err, connection: this.id }, 'xDS request handling failed');
        this.fail(`internal error handling request: ${errorText(err)}`, grpc.status.INTERNAL);
      }
    });
    this.call.on('end', () => this.close('client closed', true));
    this.call.on('cancelled', () => this.close('cancelled', false));
    this.call.on('error', (err: Error) => this.close(`stream error: ${errorText(err)}`, false));
    this.call.on('close', () => this.close('closed', false));
  }

  fullStateType(typeUrl: string): boolean {
    return this.protocol.fullState(typeUrl);
  }

  nextNonce(): string {
    return (++this.nonceSeq).toString(36);
  }

  typeState(typeUrl: string): ConnTypeState {
    let st = this.types.get(typeUrl);
    if (!st) {
      const created: ConnTypeState = new TypeState(typeUrl, this, () => {
        if (created.dirty || this.hasDirty()) this.flush();
      });
      this.types.set(typeUrl, (st = created));
    }
    return st;
  }

  // ---- what protocols call while reading a request ---------------------------------------------

  /**
   * Records the node from the first request; false (and the stream ended) if there is none or it is
   * malformed or too big. Later requests' nodes are never read (clients repeat it on every request).
   */
  acceptNode(read: () => Decoded<XdsNode | undefined>, what: string): boolean {
    if (this.node) return true;
    const decoded = read();
    if (!decoded.ok) {
      this.refuse(decoded);
      return false;
    }
    const node = decoded.value;
    if (!node) {
      this.fail(`the first ${what} on a stream must carry a node`, grpc.status.INVALID_ARGUMENT);
      return false;
    }
    this.node = node;
    this.safely('onConnect', () => this.ctx.observer?.onConnect?.({ connectionId: this.id, node, peer: this.peer, kind: this.kind }));
    return true;
  }

  /** Unknown type URLs are recorded (a bounded number) and answered with nothing; the stream stays open. */
  checkType(typeUrl: string): boolean {
    if (isKnownType(typeUrl)) return true;
    const shown = clip(typeUrl, MAX_TYPE_URL_CHARS);
    let u = this.unknownTypes.get(shown);
    if (!u && this.unknownTypes.size < MAX_UNKNOWN_TYPES) this.unknownTypes.set(shown, (u = { requests: 0, lastAt: 0 }));
    if (u) {
      u.requests++;
      u.lastAt = Date.now();
    }
    this.ctx.reports.requestError({
      connectionId: this.id,
      ...(this.node ? { node: this.node } : {}),
      peer: this.peer,
      typeUrl: shown,
      error: `unknown type URL '${shown}'`,
      closedStream: false,
    });
    return false;
  }

  /**
   * Whether the stream may hold `total` subscribed names (over all types); if not, the stream ends with
   * RESOURCE_EXHAUSTED naming the limit.
   */
  admitNames(total: number, where: string): boolean {
    const max = this.ctx.limits.namesPerStream;
    if (total > max) {
      this.refuse({ error: `${where}: ${limitExceeded('namesPerStream', max, total)}`, limit: 'namesPerStream' });
      return false;
    }
    const overAddress = this.ctx.admission.checkNames(this.peer, total - this.nameCount);
    if (overAddress) {
      this.refuse({ error: `${where}: ${limitExceeded(overAddress.limit, overAddress.max, overAddress.actual)}`, limit: overAddress.limit });
      return false;
    }
    return true;
  }

  /** Ends the stream for a request it cannot use: RESOURCE_EXHAUSTED for a limit, INVALID_ARGUMENT otherwise. */
  refuse(problem: { error: string; limit?: keyof Limits }): void {
    if (!problem.limit) {
      this.fail(problem.error, grpc.status.INVALID_ARGUMENT);
      return;
    }
    if (this.closed) return;
    this.ctx.reports.limit({ limit: problem.limit, peer: this.peer, connectionId: this.id, ...(this.node ? { node: this.node } : {}), error: problem.error });
    this.endWith(grpc.status.RESOURCE_EXHAUSTED, problem.error);
  }

  /** Ends the stream with an error status (malformed request, missing node). Other streams are untouched. */
  fail(message: string, code: grpc.status, typeUrl?: string): void {
    if (this.closed) return;
    this.ctx.reports.requestError({
      connectionId: this.id,
      ...(this.node ? { node: this.node } : {}),
      peer: this.peer,
      ...(typeUrl ? { typeUrl } : {}),
      error: message,
      closedStream: true,
    });
    this.endWith(code, message);
  }

  private endWith(code: grpc.status, details: string): void {
    try {
      this.call.emit('error', { code, details });
    } catch {
      // already gone
    }
    this.close(details, false);
  }

  /** Adds a name to a subscription (and the index); false when it was there already. */
  subscribe(st: ConnTypeState, name: string): boolean {
    if (st.names.has(name)) return false;
    st.names.add(name);
    this.nameCount++;
    this.ctx.admission.addNames(this.peer, 1);
    this.ctx.index.add(st.typeUrl, name, st);
    return true;
  }

  unsubscribe(st: ConnTypeState, name: string): boolean {
    if (!st.names.delete(name)) return false;
    this.nameCount--;
    this.ctx.admission.addNames(this.peer, -1);
    this.ctx.index.remove(st.typeUrl, name, st);
    return true;
  }

  setWildcard(st: ConnTypeState, on: boolean): boolean {
    if (st.wildcard === on) return false;
    st.wildcard = on;
    this.ctx.index.setWildcard(st.typeUrl, st, on);
    return true;
  }

  recordAck(st: ConnTypeState, nonce: string, version: string): void {
    st.recordAcked(version, nonce, Date.now());
    st.settle(nonce);
    const onAck = this.ctx.observer?.onAck;
    if (!onAck) return;
    try {
      onAck.call(this.ctx.observer, { connectionId: this.id, node: this.node!, typeUrl: st.typeUrl, nonce, version });
    } catch (err) {
      this.ctx.log.error({ err, callback: 'onAck' }, 'xDS server observer threw; ignored');
    }
  }

  /** A NACK: kept on the type (the last one, for /debug/syncz), counted, and logged once per client and window. */
  recordNack(st: ConnTypeState, nonce: string, version: string, message: string): void {
    st.lastNack = { version, nonce, message, atMs: Date.now() };
    st.settle(nonce);
    this.ctx.reports.nack({ connectionId: this.id, node: this.node!, typeUrl: st.typeUrl, nonce, version, message }, this.peer);
  }

  // ---- pushes and responses -----------------------------------------------------------------------

  /** Called by the server for a push: everything below happens on the next flush. */
  notePush(at: number, since?: number): void {
    this.trigger = 'push';
    this.triggerAt = at;
    if (since !== undefined) this.pushSince = this.pushSince === undefined ? since : Math.min(this.pushSince, since);
  }

  /** Sends what is dirty and may be sent now. */
  flush(): void {
    if (this.closed || this.blocked || !this.node) return;
    const ready: { st: ConnTypeState; dirty: Dirty }[] = [];
    for (const typeUrl of PUSH_ORDER) {
      const st = this.types.get(typeUrl);
      if (!st?.dirty) continue;
      // Keep make-before-break order: nothing of a later type overtakes a type still waiting.
      if (st.inFlight > 0) break;
      ready.push({ st, dirty: st.dirty });
      st.dirty = undefined;
    }
    if (ready.length === 0) {
      if (!this.hasDirty()) this.pushSince = undefined;
      return;
    }
    const diffs: TypeDiff[] = [];
    for (const { st, dirty } of ready) {
      const d = this.computeDiff(st, dirty);
      if (d) diffs.push(d);
    }
    for (const m of this.protocol.responses(this, diffs)) {
      if (this.closed) return;
      this.write(m);
    }
    // Work held back (a type still in flight) keeps the event time for when it is written.
    if (!this.hasDirty()) this.pushSince = undefined;
  }

  private computeDiff(st: ConnTypeState, dirty: Dirty): TypeDiff | undefined {
    const node = this.node!;
    const whole = dirty.all || this.protocol.fullState(st.typeUrl);
    let query: ReadonlySet<string> | undefined;
    if (whole) {
      // The live set is passed as is (read-only to the provider): no copy per connection.
      query = st.wildcard ? undefined : st.names;
    } else if (st.wildcard) {
      query = dirty.names;
    } else {
      const q = new Set<string>();
      for (const n of dirty.names) if (st.names.has(n)) q.add(n);
      query = q;
    }
    if (query && query.size === 0 && !dirty.respond && st.sent.size === 0) return undefined;
    let results: EncodedResource[];
    if (query && query.size === 0) {
      results = [];
    } else {
      try {
        results = this.ctx.provider.resources(st.typeUrl, node, query);
      } catch (err) {
        this.ctx.log.error({ err, connection: this.id, typeUrl: st.typeUrl }, 'xDS resource provider failed; nothing sent');
        return undefined;
      }
    }
    const upserts: EncodedResource[] = [];
    const removed: string[] = [];
    // The common push: one name asked, one resource back.
    if (query && query.size === 1 && results.length <= 1) {
      const r = results[0];
      const kept = r && query.has(r.name) ? [r] : [];
      if (kept.length === 1 && st.sent.get(r!.name) !== r!.version) upserts.push(r!);
      if (whole) {
        for (const n of st.sent.keys()) if (kept.length === 0 || n !== r!.name) removed.push(n);
      } else {
        for (const n of query) if (kept.length === 0 && st.sent.has(n)) removed.push(n);
      }
      return { st, results: kept, upserts, removed, respond: dirty.respond };
    }
    const found = new Set<string>();
    const kept: EncodedResource[] = [];
    for (const r of results) {
      // A provider that returns more than was asked for must not leak it to this client.
      if (query && !query.has(r.name)) continue;
      if (found.has(r.name)) continue;
      found.add(r.name);
      kept.push(r);
      if (st.sent.get(r.name) !== r.version) upserts.push(r);
    }
    if (whole) {
      for (const n of st.sent.keys()) if (!found.has(n)) removed.push(n);
    } else {
      for (const n of query!) if (!found.has(n) && st.sent.has(n)) removed.push(n);
    }
    return { st, results: kept, upserts, removed, respond: dirty.respond };
  }

  private write(m: OutMessage): void {
    const st = m.st;
    applySent(m);
    st.recordSent(m.version, m.nonce, Date.now(), m.resources, m.removed);
    st.inFlight++;
    let accepted = true;
    try {
      accepted = this.call.write(m.bytes, st.onWritten);
    } catch (err) {
      this.close(`write failed: ${errorText(err)}`, false);
      return;
    }
    const onPushSent = this.ctx.observer?.onPushSent;
    if (!onPushSent) return this.afterWrite(accepted);
    const since = this.trigger === 'push' ? this.pushSince : undefined;
    // Built without spreads or closures: this runs once per response of every stream.
    const event: PushSentEvent = {
      connectionId: this.id,
      node: this.node!,
      kind: this.kind,
      typeUrl: st.typeUrl,
      version: m.version,
      nonce: m.nonce,
      bytes: m.bytes.length,
      resources: m.resources,
      removed: m.removed,
      durationMs: performance.now() - this.triggerAt,
      trigger: this.trigger,
    };
    if (since !== undefined) event.eventToSendMs = Math.max(0, Date.now() - since);
    try {
      onPushSent.call(this.ctx.observer, event);
    } catch (err) {
      this.ctx.log.error({ err, callback: 'onPushSent' }, 'xDS server observer threw; ignored');
    }
    this.afterWrite(accepted);
  }

  private afterWrite(accepted: boolean): void {
    if (!accepted && !this.blocked) {
      this.blocked = true;
      this.call.once('drain', () => {
        this.blocked = false;
        this.flush();
      });
    }
  }

  private hasDirty(): boolean {
    for (const st of this.types.values()) if (st.dirty) return true;
    return false;
  }

  // ---- the end --------------------------------------------------------------------------------------

  /** Stops everything for this stream; idempotent. `endCall` answers a client's half-close with OK. */
  close(reason: string, endCall: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.admission.addNames(this.peer, -this.nameCount);
    this.nameCount = 0;
    for (const st of this.types.values()) {
      for (const n of st.names) this.ctx.index.remove(st.typeUrl, n, st);
      if (st.wildcard) this.ctx.index.setWildcard(st.typeUrl, st, false);
      st.dirty = undefined;
    }
    if (endCall) {
      try {
        this.call.end();
      } catch {
        // already gone
      }
    }
    this.ctx.closed(this);
    this.safely('onDisconnect', () =>
      this.ctx.observer?.onDisconnect?.({
        connectionId: this.id,
        ...(this.node ? { node: this.node } : {}),
        peer: this.peer,
        kind: this.kind,
        durationMs: Date.now() - this.connectedAt,
        reason,
      }),
    );
  }

  /** Ends the stream from the server side (server shutdown). */
  end(): void {
    if (this.closed) return;
    try {
      this.call.end();
    } catch {
      // already gone
    }
    this.close('server closed', false);
  }

  private safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.ctx.log.error({ err, callback: what }, 'xDS server observer threw; ignored');
    }
  }

  snapshot(): ConnectionSnapshot {
    const types: TypeSnapshot[] = [];
    for (const st of this.types.values()) {
      types.push({
        typeUrl: st.typeUrl,
        kind: kindOf(st.typeUrl),
        wildcard: st.wildcard,
        subscribed: [...st.names].sort(),
        ...(st.lastSent ? { lastSent: { version: st.lastSent.version, nonce: st.lastSent.nonce, at: iso(st.lastSent.atMs), resources: st.lastSent.resources, removed: st.lastSent.removed } } : {}),
        ...(st.lastAcked ? { lastAcked: { version: st.lastAcked.version, nonce: st.lastAcked.nonce, at: iso(st.lastAcked.atMs) } } : {}),
        ...(st.lastNack ? { lastNack: { version: st.lastNack.version, nonce: st.lastNack.nonce, message: st.lastNack.message, at: iso(st.lastNack.atMs) } } : {}),
        sent: Object.fromEntries([...st.sent].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
        staleRequests: st.staleRequests,
        pending: st.dirty !== undefined,
      });
    }
    return {
      id: this.id,
      kind: this.kind,
      ...(this.node ? { node: this.node } : {}),
      peer: this.peer,
      connectedAt: iso(this.connectedAt),
      types,
      unknownTypes: [...this.unknownTypes].map(([typeUrl, u]) => ({ typeUrl, requests: u.requests, lastAt: iso(u.lastAt) })),
      blocked: this.blocked,
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
