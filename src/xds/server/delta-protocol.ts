// Incremental ADS (DeltaAggregatedResources): per-name subscribe/unsubscribe, per-resource versions,
// removed_resources for what disappears, and initial_resource_versions on reconnect so nothing the
// client already has is sent again.
import { decodeDeltaDiscoveryRequest } from '../codec/requests.js';
import { ok } from '../codec/result.js';
import { encodeDeltaDiscoveryResponse } from '../codec/responses.js';
import type { EncodedResource } from '../codec/any.js';
import { PUSH_ORDER, REMOVAL_ORDER, requiresFullState, WILDCARD } from '../type-urls.js';
import type { Connection, ConnTypeState } from './connection.js';
import type { OutMessage, StreamProtocol, TypeDiff } from './protocol.js';

function onRequest(conn: Connection, bytes: Buffer): void {
  const decoded = decodeDeltaDiscoveryRequest(bytes, conn.ctx.bounds);
  if (!decoded.ok) return conn.refuse(decoded);
  const req = decoded.value;
  if (!conn.acceptNode(() => ok(req.node), 'DeltaDiscoveryRequest')) return;
  if (!conn.checkType(req.typeUrl)) return;
  const first = !conn.types.has(req.typeUrl);
  const st = conn.typeState(req.typeUrl);

  if (req.responseNonce !== '') {
    const version = st.unacked.get(req.responseNonce);
    if (version === undefined) st.staleRequests++;
    else if (req.errorDetail) conn.recordNack(st, req.responseNonce, version, req.errorDetail.message);
    else conn.recordAck(st, req.responseNonce, version);
  }

  // The subscription this request leaves (subscriptions first, then unsubscriptions), within the limit.
  const adding = new Set<string>();
  for (const n of req.resourceNamesSubscribe) if (n !== WILDCARD && !st.names.has(n)) adding.add(n);
  let leaving = 0;
  for (const n of new Set(req.resourceNamesUnsubscribe)) if (n !== WILDCARD && (st.names.has(n) || adding.has(n))) leaving++;
  if (!conn.admitNames(conn.nameCount + adding.size - leaving, 'DeltaDiscoveryRequest')) return;

  if (first) {
    for (const [name, version] of Object.entries(req.initialResourceVersions)) st.sent.set(name, version);
    // An initial LDS/CDS request that names nothing is a (legacy) wildcard subscription.
    if (req.resourceNamesSubscribe.length === 0 && requiresFullState(req.typeUrl)) conn.setWildcard(st, true);
  }
  const added: string[] = [];
  let wildcardOn = false;
  for (const n of req.resourceNamesSubscribe) {
    if (n === WILDCARD) wildcardOn = conn.setWildcard(st, true) || wildcardOn;
    else if (conn.subscribe(st, n)) added.push(n);
  }
  for (const n of req.resourceNamesUnsubscribe) {
    if (n === WILDCARD) {
      if (conn.setWildcard(st, false)) for (const s of [...st.sent.keys()]) if (!st.names.has(s)) st.sent.delete(s);
    } else if (conn.unsubscribe(st, n) && !st.wildcard) {
      st.sent.delete(n);
    }
  }
  if (first || wildcardOn) st.markAll(first);
  else for (const n of added) st.markName(n);
  conn.flush();
}

function responses(conn: Connection, diffs: TypeDiff[]): OutMessage[] {
  const version = conn.ctx.version();
  const upsertDiffs = diffs.filter((d) => d.upserts.length > 0 || d.respond);
  const removalDiffs = REMOVAL_ORDER.map((t) => diffs.find((d) => d.st.typeUrl === t && d.removed.length > 0)).filter(
    (d): d is TypeDiff => d !== undefined,
  );
  upsertDiffs.sort((a, b) => PUSH_ORDER.indexOf(a.st.typeUrl) - PUSH_ORDER.indexOf(b.st.typeUrl));
  const out: OutMessage[] = [];
  // Removals go after every addition, endpoints before their clusters. The first removal may ride in
  // the last addition's response when it is of the same type.
  const last = upsertDiffs[upsertDiffs.length - 1];
  const mergeFirstRemoval = last !== undefined && removalDiffs[0]?.st === last.st;
  for (const d of upsertDiffs) {
    const removed = mergeFirstRemoval && d === last ? d.removed : [];
    out.push(message(conn, d.st, version, d.upserts, removed));
  }
  for (const [i, d] of removalDiffs.entries()) {
    if (i === 0 && mergeFirstRemoval) continue;
    out.push(message(conn, d.st, version, [], d.removed));
  }
  return out;
}

function message(conn: Connection, st: ConnTypeState, version: string, upserts: EncodedResource[], removed: string[]): OutMessage {
  const nonce = conn.nextNonce();
  return {
    st,
    version,
    nonce,
    resources: upserts.length,
    removed: removed.length,
    bytes: encodeDeltaDiscoveryResponse({
      systemVersionInfo: version,
      typeUrl: st.typeUrl,
      nonce,
      resources: upserts,
      removedResources: removed,
    }),
    setSent: upserts,
    deleteSent: removed,
  };
}

export const deltaProtocol: StreamProtocol = {
  kind: 'delta',
  onRequest,
  fullState: () => false,
  responses,
};
