// State-of-the-world ADS against raw clients: versions and nonces, ACK/NACK, stale nonces, subscriptions,
// wildcard, full-state LDS/CDS, partial RDS/EDS, push ordering, slow clients, robustness, observability.
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { DiscoveryRequestView, encodeDiscoveryRequest } from '../../src/xds/codec/requests.js';
import type { AdsResponse } from '../../src/xds/client/ads-client.js';
import { startXdsServer } from '../../src/xds/server/server.js';
import type { DecodedClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import type { NackEvent, PushSentEvent } from '../../src/xds/server/observer.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS,
  CLUSTER_TYPE as CDS,
  LISTENER_TYPE as LDS,
  ROUTE_CONFIGURATION_TYPE as RDS,
} from '../../src/xds/type-urls.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';
import { waitFor } from '../support/wait.js';
import { changes, claInput, edsCluster, harness, names, type Harness } from './ads-support.js';

/** DiscoveryRequest field 2 (node) holding a Node whose id (field 1) claims 5 bytes and has none. */
const BAD_NODE = Buffer.from([(2 << 3) | 2, 2, (1 << 3) | 2, 5]);
/** The first endpoint address of each CLA in a response: which claInput(name, base) it carries (10.<base>.0.1). */
const addresses = (r: AdsResponse) =>
  r.resources.map((x) => (x.decoded?.value as DecodedClusterLoadAssignment | undefined)?.endpoints[0]?.lbEndpoints[0]?.address);

describe('xds ADS server: state of the world', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('answers a first request with version and nonce; an ACK gets no response and is recorded', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    h.provider.cla(claInput('b', 2));
    const c = h.client();
    const first = c.nextResponse();
    c.subscribe(EDS, ['a']);
    const r = await first;
    assert.equal(r.typeUrl, EDS);
    assert.notEqual(r.nonce, '');
    assert.notEqual(r.version, '');
    assert.deepEqual(names(r), ['a']);
    assert.equal(r.resources[0]!.decoded?.typeUrl, EDS);
    await waitFor(() => h.server.connections()[0]?.types[0]?.lastAcked?.nonce === r.nonce, 'ACK recorded', { timeoutMs: 5000 });
    const before = c.responses.length;
    const snap = h.server.connections()[0]!;
    assert.equal(snap.kind, 'sotw');
    assert.equal(snap.node?.id, 'node-1');
    assert.equal(snap.node?.network, 'network1');
    assert.match(snap.peer, /127\.0\.0\.1/);
    assert.ok(Date.parse(snap.connectedAt) > 0);
    const st = snap.types.find((t) => t.typeUrl === EDS)!;
    assert.equal(st.kind, 'EDS');
    assert.deepEqual(st.subscribed, ['a']);
    assert.equal(st.wildcard, false);
    assert.equal(st.lastSent?.nonce, r.nonce);
    assert.equal(st.lastSent?.version, r.version);
    assert.equal(st.lastAcked?.version, r.version);
    assert.deepEqual(Object.keys(st.sent), ['a']);
    // Barrier: the next response is the one a change causes, not a late answer to the ACK.
    h.provider.cla(claInput('a', 3));
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    assert.deepEqual(addresses(await next), ['10.3.0.1']);
    assert.equal(c.responses.length, before + 1, 'no response to an ACK');
  });

  it('puts a fresh nonce on every response and pushes only what changed (RDS/EDS)', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    h.provider.cla(claInput('b', 2));
    const c = h.client();
    c.subscribe(EDS, ['a', 'b']);
    await c.waitFor(() => c.resources(EDS).size === 2);
    h.provider.cla(claInput('a', 3));
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    const r = await next;
    assert.deepEqual(names(r), ['a'], 'only the changed CLA');
    const nonces = c.responses.map((x) => x.nonce);
    assert.equal(new Set(nonces).size, nonces.length);
    assert.ok(c.responses.every((x) => x.version !== ''));
    // an unchanged resource is not resent even when a push names it
    const count = c.responses.length;
    h.server.push(changes([EDS, ['b']]));
    // Barrier: one real change; the next response is its, and carries only it.
    h.provider.cla(claInput('a', 4));
    const after = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    assert.deepEqual(names(await after), ['a']);
    assert.deepEqual(addresses(c.responses.at(-1)!), ['10.4.0.1']);
    assert.equal(c.responses.length, count + 1, 'b was not resent');
  });

  it('records a NACK (visible in connections()) and does not resend until the resource changes', async () => {
    const nacks: NackEvent[] = [];
    h = await harness({ onNack: (e) => nacks.push(e) });
    h.provider.cla(claInput('a', 1));
    const c = h.client({ autoAck: false });
    const first = c.nextResponse();
    c.subscribe(EDS, ['a']);
    const r = await first;
    c.nack(EDS, 'endpoint rejected: test');
    await waitFor(() => nacks.length === 1, 'NACK observed', { timeoutMs: 5000 });
    assert.equal(nacks[0]!.message, 'endpoint rejected: test');
    assert.equal(nacks[0]!.nonce, r.nonce);
    assert.equal(nacks[0]!.version, r.version);
    const st = h.server.connections()[0]!.types.find((t) => t.typeUrl === EDS)!;
    assert.equal(st.lastNack?.message, 'endpoint rejected: test');
    assert.equal(st.lastNack?.nonce, r.nonce);
    assert.equal(st.lastAcked, undefined);
    h.server.push(changes([EDS, ['a']]));
    // Barrier: the next response is the change's (a resend of the unchanged one would come first).
    h.provider.cla(claInput('a', 2));
    const again = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    const r2 = await again;
    assert.deepEqual(addresses(r2), ['10.2.0.1'], 'not resent while unchanged');
    assert.equal(c.responses.length, 2, 'not resent while unchanged');
    assert.notEqual(r2.nonce, r.nonce);
  });

  it('ignores a request that answers a stale nonce', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    const c = h.client();
    c.subscribe(EDS, ['a']);
    const r1 = await c.nextResponse();
    h.provider.cla(claInput('a', 2));
    const n2 = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    const r2 = await n2;
    await waitFor(() => h.server.connections()[0]!.types[0]!.lastAcked?.nonce === r2.nonce, 'ACK of r2', { timeoutMs: 5000 });
    c.answer(EDS, r1.nonce);
    await waitFor(() => h.server.connections()[0]!.types[0]!.staleRequests === 1, 'stale request counted', { timeoutMs: 5000 });
    assert.equal(h.server.connections()[0]!.types[0]!.lastAcked?.nonce, r2.nonce, 'stale request not taken as an ACK');
    // Barrier: the next response is the one a change causes, not an answer to the stale request.
    h.provider.cla(claInput('a', 3));
    const n3 = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    assert.deepEqual(addresses(await n3), ['10.3.0.1']);
    assert.equal(c.responses.length, 3);
  });

  it('treats a request with a nonce it never sent (a client coming from another server) as a first request', async () => {
    h = await harness();
    h.provider.cluster(edsCluster('c1'));
    const c = h.client();
    const first = c.nextResponse();
    c.answer(CDS, 'nonce-from-a-previous-server');
    assert.deepEqual(names(await first), ['c1']);
  });

  it('subscribe and unsubscribe: new names get their resources, removed names stop being pushed', async () => {
    h = await harness();
    for (const [n, b] of [['a', 1], ['b', 2], ['c', 3]] as const) h.provider.cla(claInput(n, b));
    const c = h.client();
    c.subscribe(EDS, ['a']);
    await c.waitFor(() => c.resources(EDS).has('a'));
    const next = c.nextResponse();
    c.subscribe(EDS, ['b']);
    assert.deepEqual(names(await next), ['b'], 'only the newly subscribed name');
    c.unsubscribe(EDS, ['a']);
    await waitFor(() => h.server.connections()[0]!.types[0]!.subscribed.join() === 'b', 'unsubscribed', { timeoutMs: 5000 });
    const count = c.responses.length;
    h.provider.cla(claInput('a', 9));
    h.server.push(changes([EDS, ['a']]));
    // Barrier: the next response is for b (a push for a, even late, would come first).
    h.provider.cla(claInput('b', 9));
    const nb = c.nextResponse();
    h.server.push(changes([EDS, ['b', 'c']]));
    assert.deepEqual(names(await nb), ['b']);
    assert.equal(c.responses.length, count + 1, 'no push for an unsubscribed name');
  });

  it('LDS/CDS: empty names are a wildcard, and every response carries the full set', async () => {
    h = await harness();
    h.provider.cluster(edsCluster('c1'));
    h.provider.cluster(edsCluster('c2'));
    const wild = h.client();
    const named = h.client();
    wild.subscribe(CDS, []);
    named.subscribe(CDS, ['c1', 'c2', 'c-missing']);
    await wild.waitFor(() => wild.resources(CDS).size === 2);
    await named.waitFor(() => named.resources(CDS).size === 2);
    assert.equal(h.server.connections().find((s) => s.node?.id === 'node-1')!.types[0]!.wildcard, true);
    // a change to c1 still sends c1 and c2
    h.provider.cluster({ ...edsCluster('c1'), connectTimeoutMs: 2000 });
    const w1 = wild.nextResponse();
    const n1 = named.nextResponse();
    h.server.push(changes([CDS, ['c1']]));
    assert.deepEqual(names(await w1), ['c1', 'c2']);
    assert.deepEqual(names(await n1), ['c1', 'c2']);
    // a new cluster reaches the wildcard subscriber only
    h.provider.cluster(edsCluster('c3'));
    const w2 = wild.nextResponse();
    h.server.push(changes([CDS, ['c3']]));
    assert.deepEqual(names(await w2), ['c1', 'c2', 'c3']);
    // a deleted cluster disappears from the full set
    h.provider.remove(CDS, 'c2');
    const w3 = wild.nextResponse();
    const n3 = named.nextResponse();
    h.server.push(changes([CDS, ['c2']]));
    assert.deepEqual(names(await w3), ['c1', 'c3']);
    assert.deepEqual(names(await n3), ['c1']);
    assert.equal(named.responses.length, 3);
  });

  it('orders one push across types: clusters, endpoints, listeners, routes', async () => {
    h = await harness();
    h.provider.listener({ name: 'svc:5000', routeConfigName: 'rc' });
    h.provider.route({ name: 'rc', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '' }, action: { cluster: 'c1' } }] }] });
    h.provider.cluster(edsCluster('c1'));
    h.provider.cla(claInput('c1', 1));
    const c = h.client();
    c.subscribe(LDS, ['svc:5000']);
    c.subscribe(RDS, ['rc']);
    c.subscribe(CDS, ['c1']);
    c.subscribe(EDS, ['c1']);
    await c.waitFor(() => [LDS, RDS, CDS, EDS].every((t) => c.resources(t).size === 1));
    const start = c.responses.length;
    h.provider.listener({ name: 'svc:5000', routeConfigName: 'rc', statPrefix: 'x' });
    h.provider.route({ name: 'rc', virtualHosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, action: { cluster: 'c1' } }] }] });
    h.provider.cluster({ ...edsCluster('c1'), connectTimeoutMs: 5 });
    h.provider.cla(claInput('c1', 2));
    h.server.push(changes([RDS, ['rc']], [LDS, ['svc:5000']], [EDS, ['c1']], [CDS, ['c1']]));
    await c.waitFor(() => c.responses.length === start + 4);
    assert.deepEqual(
      c.responses.slice(start).map((r) => r.typeUrl),
      [CDS, EDS, LDS, RDS],
    );
    // a full push that changes nothing sends nothing: the next response is a later real change's
    h.server.push({ full: true });
    h.provider.cla(claInput('c1', 3));
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['c1']]));
    assert.deepEqual(addresses(await next), ['10.3.0.1']);
    assert.equal(c.responses.length, start + 5);
  });

  it('asks the provider only for the names a change touches, and only on the affected streams', async () => {
    h = await harness();
    for (let i = 0; i < 50; i++) h.provider.cla(claInput(`s${i}`, i));
    const a = h.client();
    const b = h.client();
    a.subscribe(EDS, Array.from({ length: 50 }, (_, i) => `s${i}`));
    b.subscribe(EDS, ['s1']);
    await a.waitFor(() => a.resources(EDS).size === 50);
    await b.waitFor(() => b.resources(EDS).size === 1);
    h.provider.log.length = 0;
    h.provider.cla(claInput('s7', 77));
    const ra = a.nextResponse();
    h.server.push(changes([EDS, ['s7']]));
    assert.deepEqual(names(await ra), ['s7']);
    assert.deepEqual(h.provider.log, [{ typeUrl: EDS, node: 'node-1', names: ['s7'] }]);
  });

  it('a malformed request ends that stream only; the healthy stream next to it keeps receiving pushes', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    const healthy = h.client();
    const broken = h.client();
    healthy.subscribe(EDS, ['a']);
    broken.subscribe(EDS, ['a']);
    await healthy.waitFor(() => healthy.resources(EDS).size === 1);
    await broken.waitFor(() => broken.resources(EDS).size === 1);
    broken.sendRaw(Buffer.from([0x22, 0x10, 0x61])); // type_url claims 16 bytes, has 1
    const status = await broken.closed();
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /malformed DiscoveryRequest/);
    h.provider.cla(claInput('a', 2));
    const next = healthy.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    assert.deepEqual(names(await next), ['a']);
    await waitFor(() => h.server.connectionCount() === 1, 'broken stream removed', { timeoutMs: 5000 });
  });

  it('an unknown type URL is recorded and answered with nothing; the stream stays usable', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    const c = h.client();
    c.subscribe('type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret', ['s']);
    await waitFor(() => h.server.connections()[0]?.unknownTypes.length === 1, 'unknown type recorded', { timeoutMs: 5000 });
    const u = h.server.connections()[0]!.unknownTypes[0]!;
    assert.equal(u.typeUrl, 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret');
    assert.equal(u.requests, 1);
    c.subscribe(EDS, ['a']);
    const r = await c.nextResponse();
    assert.equal(r.typeUrl, EDS);
    assert.equal(c.responses.length, 1);
  });

  it('a first request without a node ends the stream with INVALID_ARGUMENT', async () => {
    h = await harness();
    const c = h.client();
    c.sendRaw(encodeDiscoveryRequest({ typeUrl: EDS, resourceNames: ['a'] }));
    const status = await c.closed();
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /must carry a node/);
  });

  it('a first request with a malformed node ends the stream with INVALID_ARGUMENT', async () => {
    h = await harness();
    const c = h.client();
    const req = encodeDiscoveryRequest({ typeUrl: EDS, resourceNames: ['a'] });
    c.sendRaw(Buffer.concat([req, BAD_NODE]));
    const status = await c.closed();
    assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
    assert.match(status.details, /malformed DiscoveryRequest: node/);
  });

  it('decodes only the first node of a stream: ACKs repeating it (as Envoy does) are not decoded', async () => {
    // Counts the lazy node reads; a read of a later request's node would also fail on BAD_NODE.
    const proto = DiscoveryRequestView.prototype;
    const readNode = proto.readNode;
    let reads = 0;
    proto.readNode = function (this: DiscoveryRequestView) {
      reads++;
      return readNode.call(this);
    };
    try {
      h = await harness();
      h.provider.cla(claInput('a', 1));
      const c = h.client({ autoAck: false });
      const node = { id: 'envoy-1', metadata: { NETWORK: 'network1' } };
      const first = c.nextResponse();
      c.sendRaw(encodeDiscoveryRequest({ node, typeUrl: EDS, resourceNames: ['a'] }));
      const r = await first;
      assert.equal(reads, 1);
      c.sendRaw(encodeDiscoveryRequest({ node, typeUrl: EDS, resourceNames: ['a'], versionInfo: r.version, responseNonce: r.nonce }));
      await waitFor(() => h.server.connections()[0]?.types[0]?.lastAcked?.nonce === r.nonce, 'ACK recorded', { timeoutMs: 5000 });
      // A request whose (repeated) node is garbage: never read, so the stream stays up and its new name is served.
      h.provider.cla(claInput('b', 2));
      const next = c.nextResponse();
      const more = encodeDiscoveryRequest({ typeUrl: EDS, resourceNames: ['a', 'b'], versionInfo: r.version, responseNonce: r.nonce });
      c.sendRaw(Buffer.concat([more, BAD_NODE]));
      assert.deepEqual(names(await next), ['b']);
      assert.equal(reads, 1, 'only the first request had its node read');
      assert.equal(c.status, undefined);
    } finally {
      proto.readNode = readNode;
    }
  });

  it('survives a provider that throws: nothing sent for that type, other types still served', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1));
    h.provider.cluster(edsCluster('a'));
    h.provider.failType = EDS;
    const c = h.client();
    c.subscribe(EDS, ['a']);
    c.subscribe(CDS, ['a']);
    const r = await c.nextResponse();
    assert.equal(r.typeUrl, CDS);
    h.provider.failType = undefined;
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    const eds = await next;
    assert.equal(eds.typeUrl, EDS);
    assert.deepEqual(names(eds), ['a']);
    assert.equal(c.responses.length, 2, 'nothing was sent for EDS while the provider threw');
  });

  it('clients disconnecting in the middle of a push disturb neither the server nor the others', async () => {
    h = await harness();
    h.provider.cla(claInput('big', 1, 2000, 40)); // ~200 kB
    const clients = Array.from({ length: 20 }, () => h.client());
    for (const c of clients) c.subscribe(EDS, ['big']);
    await Promise.all(clients.map((c) => c.waitFor(() => c.resources(EDS).size === 1, 20_000)));
    for (let round = 0; round < 5; round++) {
      h.provider.cla(claInput('big', 10 + round, 2000, 40));
      h.server.push(changes([EDS, ['big']]));
      // cancel some streams while their responses are still being written
      for (const c of clients.splice(0, 3)) c.close();
    }
    h.provider.cla(claInput('big', 99, 10));
    h.server.push(changes([EDS, ['big']]));
    for (const c of clients) {
      await c.waitFor(() => c.resources(EDS).get('big')?.decoded?.value && JSON.stringify(c.resources(EDS).get('big')!.decoded!.value).includes('10.99.0.1') ? true : false, 20_000, 'latest CLA');
    }
    await waitFor(() => h.server.connectionCount() === clients.length, 'closed streams cleaned up', { timeoutMs: 10_000 });
  });

  it('a slow client gets merged, latest-state responses and bounded buffering', async () => {
    h = await harness();
    h.provider.cla(claInput('big', 1, 3000, 60)); // ~400 kB per response
    const slow = h.client();
    slow.subscribe(EDS, ['big']);
    await slow.waitFor(() => slow.resources(EDS).size === 1, 20_000);
    slow.pause();
    for (let i = 0; i < 40; i++) {
      h.provider.cla(claInput('big', 100 + i, 3000, 60));
      h.server.push(changes([EDS, ['big']]));
      await new Promise((r) => setImmediate(r));
    }
    const snap = h.server.connections()[0]!;
    const st = snap.types.find((t) => t.typeUrl === EDS)!;
    assert.ok(st.pending || snap.blocked, 'later changes wait instead of piling up in the buffer');
    const sentBefore = slow.responses.length;
    slow.resume();
    await slow.waitFor(
      () => {
        const v = slow.resources(EDS).get('big')?.decoded?.value;
        return v !== undefined && JSON.stringify(v).includes('10.139.0.1');
      },
      30_000,
      'latest CLA after resume',
    );
    const received = slow.responses.length - sentBefore;
    assert.ok(received < 10, `received ${received} responses for 40 changes`);
    console.log(`      slow client: ${received} responses after resume for 40 changes (pending=${st.pending}, blocked=${snap.blocked})`);
  });

  it('reports connect, push and disconnect to the observer', async () => {
    const events: string[] = [];
    const pushes: PushSentEvent[] = [];
    h = await harness({
      onConnect: (e) => events.push(`connect ${e.node.id} ${e.kind}`),
      onDisconnect: (e) => events.push(`disconnect ${e.node?.id} ${e.reason}`),
      onPushSent: (e) => pushes.push(e),
    });
    h.provider.cla(claInput('a', 1));
    const c = h.client();
    c.subscribe(EDS, ['a']);
    await c.nextResponse();
    h.provider.cla(claInput('a', 2));
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    await next;
    c.close();
    await waitFor(() => events.length === 2, 'disconnect', { timeoutMs: 5000 });
    assert.equal(events[0], 'connect node-1 sotw');
    assert.match(events[1]!, /^disconnect node-1 /);
    assert.equal(pushes.length, 2);
    assert.deepEqual(pushes.map((p) => p.trigger), ['request', 'push']);
    assert.ok(pushes.every((p) => p.bytes > 0 && p.durationMs >= 0 && p.typeUrl === EDS && p.resources === 1));
  });

  it('gives a clear error for an address in use; port 0 picks a port; close() ends streams', async () => {
    h = await harness();
    await assert.rejects(
      startXdsServer({ address: h.server.address, provider: new StaticProvider(), log: quietLog }),
      (e: Error) => e.message === `xDS address ${h.server.address} is already in use`,
    );
    await assert.rejects(startXdsServer({ address: 'nonsense', provider: new StaticProvider(), log: quietLog }), /not host:port/);
    assert.ok(h.server.port > 0);
    const c = h.client();
    h.provider.cla(claInput('a', 1));
    c.subscribe(EDS, ['a']);
    await c.nextResponse();
    const closed = c.closed();
    await h.server.close();
    const s = await closed;
    assert.ok(s.code === grpc.status.OK || s.code === grpc.status.UNAVAILABLE || s.code === grpc.status.CANCELLED, `status ${s.code}`);
  });
});
