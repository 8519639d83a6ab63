// Incremental (delta) ADS against raw clients: per-resource versions, wildcard, removals, reconnect with
// initial_resource_versions, ACK/NACK, unsubscribe, and removal ordering.
import { strict as assert } from 'node:assert';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS, CLUSTER_TYPE as CDS, LISTENER_TYPE as LDS } from '../../src/xds/type-urls.js';
import { waitFor } from '../support/wait.js';
import { changes, claInput, edsCluster, harness, names, type Harness } from './ads-support.js';

describe('xds ADS server: delta', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('sends subscribed resources with their versions, system version and nonce; ACK gets no response', async () => {
    h = await harness();
    const a = h.provider.cla(claInput('a', 1), 'va1');
    h.provider.cla(claInput('b', 2), 'vb1');
    const c = h.client({ mode: 'delta' });
    const first = c.nextResponse();
    c.subscribe(EDS, ['a']);
    const r = await first;
    assert.equal(r.mode, 'delta');
    assert.deepEqual(names(r), ['a']);
    assert.equal(r.resources[0]!.version, a.version);
    assert.equal(r.resources[0]!.decoded?.name, 'a');
    assert.notEqual(r.version, '');
    assert.notEqual(r.nonce, '');
    assert.deepEqual(r.removed, []);
    await waitFor(() => h.server.connections()[0]?.types[0]?.lastAcked?.nonce === r.nonce, 'ACK recorded', { timeoutMs: 5000 });
    const snap = h.server.connections()[0]!;
    assert.equal(snap.kind, 'delta');
    assert.deepEqual(snap.types[0]!.sent, { a: 'va1' });
    // a new subscription sends just that name
    const next = c.nextResponse();
    c.subscribe(EDS, ['b']);
    const rb = await next;
    assert.deepEqual(names(rb), ['b']);
    assert.equal(rb.resources[0]!.version, 'vb1');
    // The ACK got no response: the subscription's is the second one (a late answer to the ACK would come first).
    assert.equal(c.responses.length, 2);
  });

  it('wildcard (explicit * and legacy empty CDS): everything, then only what changes', async () => {
    h = await harness();
    h.provider.cluster(edsCluster('c1'), 'v1');
    h.provider.cluster(edsCluster('c2'), 'v1');
    const star = h.client({ mode: 'delta' });
    const legacy = h.client({ mode: 'delta' });
    star.subscribe(CDS, ['*']);
    legacy.subscribe(CDS, []);
    await star.waitFor(() => star.resources(CDS).size === 2);
    await legacy.waitFor(() => legacy.resources(CDS).size === 2);
    assert.ok(h.server.connections().every((s) => s.types[0]!.wildcard));
    h.provider.cluster(edsCluster('c3'), 'v1');
    h.provider.cluster({ ...edsCluster('c1'), connectTimeoutMs: 9 }, 'v2');
    const s1 = star.nextResponse();
    const l1 = legacy.nextResponse();
    h.server.push(changes([CDS, ['c3', 'c1']]));
    assert.deepEqual(names(await s1), ['c1', 'c3'], 'delta sends only the changed and new');
    assert.deepEqual(names(await l1), ['c1', 'c3']);
  });

  it('deleted resources go out in removed_resources', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1), 'v1');
    h.provider.cla(claInput('b', 1), 'v1');
    const c = h.client({ mode: 'delta' });
    c.subscribe(EDS, ['a', 'b']);
    await c.waitFor(() => c.resources(EDS).size === 2);
    h.provider.remove(EDS, 'b');
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['b']]));
    const r = await next;
    assert.deepEqual(r.removed, ['b']);
    assert.deepEqual(r.resources, []);
    assert.deepEqual([...c.resources(EDS).keys()], ['a']);
    assert.deepEqual(h.server.connections()[0]!.types[0]!.sent, { a: 'v1' });
    // removing again is not news: the next response is a later real change's
    h.server.push(changes([EDS, ['b']]));
    h.provider.cla(claInput('a', 2), 'v2');
    const after = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    const ra = await after;
    assert.deepEqual(names(ra), ['a']);
    assert.deepEqual(ra.removed, []);
    assert.equal(c.responses.length, 3);
  });

  it('reconnect with initial_resource_versions: unchanged not resent, changed resent, gone removed', async () => {
    h = await harness();
    h.provider.cla(claInput('same', 1), 'v1');
    h.provider.cla(claInput('changed', 2), 'v2');
    h.provider.cla(claInput('new', 3), 'v1');
    const c = h.client({
      mode: 'delta',
      initialResourceVersions: { [EDS]: { same: 'v1', changed: 'v1', gone: 'v1' } },
    });
    const first = c.nextResponse();
    c.subscribe(EDS, ['same', 'changed', 'gone', 'new']);
    const r = await first;
    assert.deepEqual(names(r), ['changed', 'new']);
    assert.deepEqual(r.removed, ['gone']);
    assert.deepEqual(h.server.connections()[0]!.types[0]!.sent, { changed: 'v2', new: 'v1', same: 'v1' });
    // wildcard reconnect too
    const w = h.client({ mode: 'delta', initialResourceVersions: { [CDS]: { c1: 'v1', old: 'v0' } } });
    h.provider.cluster(edsCluster('c1'), 'v1');
    const wr = w.nextResponse();
    w.subscribe(CDS, ['*']);
    const r2 = await wr;
    assert.deepEqual(names(r2), []);
    assert.deepEqual(r2.removed, ['old']);
  });

  it('records a NACK and does not resend until the resource changes', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1), 'v1');
    const c = h.client({ mode: 'delta', autoAck: false });
    const first = c.nextResponse();
    c.subscribe(EDS, ['a']);
    const r = await first;
    c.nack(EDS, 'rejected for test');
    await waitFor(() => h.server.connections()[0]!.types[0]!.lastNack !== undefined, 'NACK recorded', { timeoutMs: 5000 });
    const nack = h.server.connections()[0]!.types[0]!.lastNack!;
    assert.equal(nack.message, 'rejected for test');
    assert.equal(nack.nonce, r.nonce);
    assert.equal(nack.version, r.version);
    h.server.push(changes([EDS, ['a']]));
    // Barrier: the next response is the change's (a resend of v1 would come first).
    h.provider.cla(claInput('a', 2), 'v2');
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a']]));
    assert.equal((await next).resources[0]!.version, 'v2');
    assert.equal(c.responses.length, 2);
  });

  it('unsubscribed names are no longer pushed', async () => {
    h = await harness();
    h.provider.cla(claInput('a', 1), 'v1');
    h.provider.cla(claInput('b', 1), 'v1');
    const c = h.client({ mode: 'delta' });
    c.subscribe(EDS, ['a', 'b']);
    await c.waitFor(() => c.resources(EDS).size === 2);
    c.unsubscribe(EDS, ['a']);
    await waitFor(() => h.server.connections()[0]!.types[0]!.subscribed.join() === 'b', 'unsubscribed', { timeoutMs: 5000 });
    h.provider.cla(claInput('a', 2), 'v2');
    h.provider.cla(claInput('b', 2), 'v2');
    const next = c.nextResponse();
    h.server.push(changes([EDS, ['a', 'b']]));
    assert.deepEqual(names(await next), ['b']);
    // Barrier: a later change of b is the next response (a late push of a would come first).
    h.provider.cla(claInput('b', 3), 'v3');
    const later = c.nextResponse();
    h.server.push(changes([EDS, ['a', 'b']]));
    assert.deepEqual(names(await later), ['b']);
    assert.equal(c.responses.filter((r) => r.resources.some((x) => x.name === 'a')).length, 1);
  });

  it('orders additions clusters-first and removals endpoints-before-clusters', async () => {
    h = await harness();
    h.provider.cluster(edsCluster('c1'), 'v1');
    h.provider.cla(claInput('c1', 1), 'v1');
    h.provider.listener({ name: 'l1', routeConfigName: 'r1' }, 'v1');
    const c = h.client({ mode: 'delta' });
    c.subscribe(CDS, ['*']);
    c.subscribe(EDS, ['c1', 'c2']);
    c.subscribe(LDS, ['*']);
    await c.waitFor(() => c.resources(CDS).size === 1 && c.resources(EDS).size === 1 && c.resources(LDS).size === 1);
    // additions: a new cluster and its endpoints
    let start = c.responses.length;
    h.provider.cla(claInput('c2', 2), 'v1');
    h.provider.cluster(edsCluster('c2'), 'v1');
    h.server.push(changes([EDS, ['c2']], [CDS, ['c2']]));
    await c.waitFor(() => c.responses.length === start + 2);
    assert.deepEqual(c.responses.slice(start).map((r) => r.typeUrl), [CDS, EDS]);
    // removals: the cluster and its endpoints go, a listener changes at the same time
    start = c.responses.length;
    h.provider.remove(CDS, 'c1');
    h.provider.remove(EDS, 'c1');
    h.provider.listener({ name: 'l1', routeConfigName: 'r2' }, 'v2');
    h.server.push(changes([CDS, ['c1']], [EDS, ['c1']], [LDS, ['l1']]));
    await c.waitFor(() => c.responses.length === start + 3);
    const seq = c.responses.slice(start).map((r) => `${r.typeUrl === CDS ? 'CDS' : r.typeUrl === EDS ? 'EDS' : 'LDS'}:${names(r).join(',')}-${r.removed.join(',')}`);
    assert.deepEqual(seq, ['LDS:l1-', 'EDS:-c1', 'CDS:-c1']);
    // a type with both: the removal rides along when nothing must come between
    start = c.responses.length;
    h.provider.remove(EDS, 'c2');
    h.provider.cla(claInput('c3', 3), 'v1');
    c.subscribe(EDS, ['c3']);
    await c.waitFor(() => c.resources(EDS).has('c3'));
    start = c.responses.length;
    h.provider.cla(claInput('c3', 4), 'v2');
    h.server.push(changes([EDS, ['c2', 'c3']]));
    const r = await c.nextResponse();
    assert.deepEqual([names(r), r.removed], [['c3'], ['c2']]);
  });
});
