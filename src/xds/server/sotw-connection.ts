// State-of-the-world ADS (StreamAggregatedResources). A request either answers the latest response of its
// type (ACK, or NACK with error_detail) or is the first of its type; stale ones (answering an older
// nonce) are ignored. resource_names is the whole subscription every time. LDS/CDS responses carry
// every subscribed resource; RDS/EDS responses only what changed.
import { readDiscoveryRequest } from '../codec/requests.js';
import { encodeDiscoveryResponse } from '../codec/responses.js';
import { PUSH_ORDER, requiresFullState, WILDCARD } from '../type-urls.js';
import { Connection, type OutMessage, type TypeDiff } from './connection.js';

export class SotwConnection extends Connection {
  protected fullState(typeUrl: string): boolean {
    return requiresFullState(typeUrl);
  }

  protected handleMessage(bytes: Buffer): void {
    const decoded = readDiscoveryRequest(bytes);
    if (!decoded.ok) {
      this.fail(decoded.error, 3);
      return;
    }
    const req = decoded.value;
    if (!this.acceptNode(req, 'DiscoveryRequest')) return;
    if (!this.checkType(req.typeUrl)) return;
    const st = this.typeState(req.typeUrl);

    let respond = false;
    // A nonce on a type this stream never answered (e.g. carried over from a previous server) counts as a first request.
    if (req.responseNonce !== '' && st.lastSent) {
      if (req.responseNonce !== st.lastSent.nonce) {
        // Answers a response that has been superseded: the client will answer the newer one too.
        st.staleRequests++;
        return;
      }
      if (req.errorDetail) this.recordNack(st, req.responseNonce, st.lastSent.version, req.errorDetail.message);
      else this.recordAck(st, req.responseNonce, st.lastSent.version);
    } else {
      // First request for this type on the stream (or the client starting the type over): it has nothing.
      if (st.lastSent) st.sent.clear();
      respond = true;
    }

    // The request carries the complete subscription. Most requests are ACKs that repeat the last one
    // byte for byte: nothing to decode or diff.
    if (!respond && req.sameNamesAs(st.lastNamesBytes)) {
      this.flush();
      return;
    }
    st.lastNamesBytes = req.namesBytes();
    const full = requiresFullState(req.typeUrl);
    const explicit = req.resourceNames.filter((n) => n !== WILDCARD);
    const wildcard = req.resourceNames.includes(WILDCARD) || (req.resourceNames.length === 0 && full);
    const wanted = new Set(explicit);
    const added: string[] = [];
    let changed = this.setWildcard(st, wildcard);
    for (const n of [...st.names]) {
      if (!wanted.has(n)) {
        this.unsubscribe(st, n);
        if (!st.wildcard) st.sent.delete(n);
        changed = true;
      }
    }
    for (const n of wanted) {
      if (this.subscribe(st, n)) {
        added.push(n);
        changed = true;
      }
    }
    if (respond || (full && changed) || (wildcard && changed)) st.markAll(respond || full);
    else for (const n of added) st.markName(n);
    this.flush();
  }

  protected buildMessages(diffs: TypeDiff[]): OutMessage[] {
    const out: OutMessage[] = [];
    const version = this.ctx.version();
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
      const nonce = this.nextNonce();
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
}

function byPushOrder(a: OutMessage, b: OutMessage): number {
  return PUSH_ORDER.indexOf(a.st.typeUrl) - PUSH_ORDER.indexOf(b.st.typeUrl);
}
