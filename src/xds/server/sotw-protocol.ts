// State-of-the-world ADS (StreamAggregatedResources). A request either answers the latest response of its
// type (ACK, or NACK with error_detail) or is the first of its type; stale ones (answering an older
// nonce) are ignored. resource_names is the whole subscription every time. LDS/CDS responses carry
// every subscribed resource; RDS/EDS responses only what changed.
import { readDiscoveryRequest } from '../codec/requests.js';
import { encodeDiscoveryResponse } from '../codec/responses.js';
import { PUSH_ORDER, requiresFullState, WILDCARD } from '../type-urls.js';
import type { Connection } from './connection.js';
import type { OutMessage, StreamProtocol, TypeDiff } from './protocol.js';

function onRequest(conn: Connection, bytes: Buffer): void {
  const decoded = readDiscoveryRequest(bytes);
  if (!decoded.ok) return conn.refuse(decoded);
  const req = decoded.value;
  if (!conn.acceptNode(() => req.readNode(conn.ctx.bounds), 'DiscoveryRequest')) return;
  if (!conn.checkType(req.typeUrl)) return;
  const st = conn.typeState(req.typeUrl);

  let respond = false;
  // A nonce on a type this stream never answered (e.g. carried over from a previous server) counts as a first request.
  if (req.responseNonce !== '' && st.lastSent) {
    if (req.responseNonce !== st.lastSent.nonce) {
      // Answers a response that has been superseded: the client will answer the newer one too.
      st.staleRequests++;
      return;
    }
    if (req.errorDetail) conn.recordNack(st, req.responseNonce, st.lastSent.version, req.errorDetail.message);
    else conn.recordAck(st, req.responseNonce, st.lastSent.version);
  } else {
    // First request for this type on the stream (or the client starting the type over): it has nothing.
    if (st.lastSent) st.sent.clear();
    respond = true;
  }

  // The request carries the complete subscription. Most requests are ACKs that repeat the last one
  // byte for byte: nothing to decode or diff.
  if (!respond && req.sameNamesAs(st.lastNamesBytes)) {
    conn.flush();
    return;
  }
  // Counted before the names become strings (room for one '*'), then exactly (without '*' and duplicates).
  const others = conn.nameCount - st.names.size;
  if (req.nameCount > conn.ctx.limits.namesPerStream + 1) {
    conn.admitNames(others + req.nameCount, 'DiscoveryRequest');
    return;
  }
  const full = requiresFullState(req.typeUrl);
  const explicit = req.resourceNames.filter((n) => n !== WILDCARD);
  const wanted = new Set(explicit);
  if (!conn.admitNames(others + wanted.size, 'DiscoveryRequest')) return;
  st.lastNamesBytes = req.namesBytes();
  const wildcard = req.resourceNames.includes(WILDCARD) || (req.resourceNames.length === 0 && full);
  const added: string[] = [];
  let changed = conn.setWildcard(st, wildcard);
  for (const n of [...st.names]) {
    if (!wanted.has(n)) {
      conn.unsubscribe(st, n);
      if (!st.wildcard) st.sent.delete(n);
      changed = true;
    }
  }
  for (const n of wanted) {
    if (conn.subscribe(st, n)) {
      added.push(n);
      changed = true;
    }
  }
  if (respond || (full && changed) || (wildcard && changed)) st.markAll(respond || full);
  else for (const n of added) st.markName(n);
  conn.flush();
}

function responses(conn: Connection, diffs: TypeDiff[]): OutMessage[] {
  const out: OutMessage[] = [];
  const version = conn.ctx.version();
  for (const d of diffs) {
    const st = d.st;
    const full = requiresFullState(st.typeUrl);
    if (full) {
      if (!d.respond && d.upserts.length === 0 && d.removed.length === 0) continue;
    } else {
      for (const n of d.removed) st.sent.delete(n);
      if (!d.respond && d.upserts.length === 0) continue;
    }
    const resources = full ? d.results : d.upserts;
    const nonce = conn.nextNonce();
    const anys: Uint8Array[] = new Array(resources.length);
    for (let i = 0; i < resources.length; i++) anys[i] = resources[i]!.any;
    const m: OutMessage = {
      st,
      version,
      nonce,
      resources: resources.length,
      removed: full ? d.removed.length : 0,
      bytes: encodeDiscoveryResponse({ versionInfo: version, typeUrl: st.typeUrl, nonce, resources: anys }),
    };
    if (full) m.replaceSent = resources;
    else m.setSent = resources;
    out.push(m);
  }
  // diffs arrive in PUSH_ORDER already; keep it explicit.
  if (out.length > 1) out.sort(byPushOrder);
  return out;
}

function byPushOrder(a: OutMessage, b: OutMessage): number {
  return PUSH_ORDER.indexOf(a.st.typeUrl) - PUSH_ORDER.indexOf(b.st.typeUrl);
}

export const sotwProtocol: StreamProtocol = {
  kind: 'sotw',
  onRequest,
  fullState: requiresFullState,
  responses,
};
