import { strict as assert } from 'node:assert';
import { GatewayHostnameResolver, type HostnameChange } from '../../src/gateway-dns/index.js';
import { TestDnsServer } from './dns-test-server.js';
import { waitFor } from '../support/wait.js';

describe('topology/GatewayHostnameResolver against a real DNS server on loopback', () => {
  let dns: TestDnsServer;
  const resolvers: GatewayHostnameResolver[] = [];

  function resolver(opts: { minTtlMs: number; maxTtlMs: number }): GatewayHostnameResolver {
    const r = new GatewayHostnameResolver({ servers: [dns.address], timeoutMs: 500, tries: 1, ...opts });
    resolvers.push(r);
    return r;
  }

  beforeEach(async () => {
    dns = await TestDnsServer.start();
  });

  afterEach(async () => {
    for (const r of resolvers.splice(0)) r.stop();
    await dns.close();
  });

  it('resolves A and AAAA, reports the first answer as a change, and exposes it through lookup()', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.20', '192.0.2.10'], aaaa: ['2001:db8::1'], ttl: 300 });
    const r = resolver({ minTtlMs: 30_000, maxTtlMs: 60_000 });
    const changes: HostnameChange[] = [];
    r.onChange((c) => changes.push(c));
    assert.equal(r.lookup('gw.example.com'), undefined);
    r.watch(['GW.example.com']);
    await waitFor(() => changes.length === 1, 'the first answer');
    assert.deepEqual(changes[0], { hostname: 'gw.example.com', addresses: ['192.0.2.10', '192.0.2.20', '2001:db8::1'], previous: undefined });
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.10', '192.0.2.20', '2001:db8::1']);
    const [status] = r.status();
    // TTL 300 s clamped into [30 s, 60 s].
    assert.equal(status!.ttlMs, 60_000);
    assert.equal(status!.lastError, undefined);
    assert.equal(dns.queriesFor('gw.example.com', 'A').length, 1);
    assert.equal(dns.queriesFor('gw.example.com', 'AAAA').length, 1);
  });

  it('re-resolves when the TTL runs out and calls back when the answer changes', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], ttl: 1 });
    const r = resolver({ minTtlMs: 200, maxTtlMs: 60_000 });
    const changes: HostnameChange[] = [];
    r.onChange((c) => changes.push(c));
    r.watch(['gw.example.com']);
    await waitFor(() => changes.length === 1, 'the first answer');
    dns.set('gw.example.com', { a: ['192.0.2.11'], ttl: 1 });
    await waitFor(() => changes.length === 2, 'the changed answer after the 1 s TTL');
    assert.deepEqual(changes[1], { hostname: 'gw.example.com', addresses: ['192.0.2.11'], previous: ['192.0.2.10'] });
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.11']);
    // The TTL from the answer (1 s) decided when to ask again: not before it ran out.
    const asked = dns.queriesFor('gw.example.com', 'A').map((q) => q.at);
    assert.ok(asked[1]! - asked[0]! >= 950, `re-asked after ${asked[1]! - asked[0]!} ms, TTL is 1000 ms`);
  });

  it('clamps a small TTL up to the minimum and a large one down to the maximum', async () => {
    dns.set('short.example.com', { a: ['192.0.2.1'], ttl: 0 });
    dns.set('long.example.com', { a: ['192.0.2.2'], ttl: 86_400 });
    const r = resolver({ minTtlMs: 400, maxTtlMs: 800 });
    r.watch(['short.example.com', 'long.example.com']);
    await waitFor(() => dns.queriesFor('short.example.com', 'A').length >= 3 && dns.queriesFor('long.example.com', 'A').length >= 2, 'refreshes');
    const gaps = (name: string) => {
      const at = dns.queriesFor(name, 'A').map((q) => q.at);
      return at.slice(1).map((t, i) => t - at[i]!);
    };
    // TTL 0 would mean "ask constantly": the 400 ms floor holds it back.
    for (const gap of gaps('short.example.com')) assert.ok(gap >= 380, `short: re-asked after ${gap} ms`);
    // A day-long TTL is cut to 800 ms, so a changed gateway address is noticed.
    assert.ok(gaps('long.example.com')[0]! >= 780, `long: re-asked after ${gaps('long.example.com')[0]} ms`);
    const status = new Map(r.status().map((s) => [s.hostname, s]));
    assert.equal(status.get('short.example.com')!.ttlMs, 400);
    assert.equal(status.get('long.example.com')!.ttlMs, 800);
  });

  it('keeps the last good answer on SERVFAIL, records the error, retries, and recovers', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], ttl: 0 });
    const r = resolver({ minTtlMs: 150, maxTtlMs: 1000 });
    const changes: HostnameChange[] = [];
    r.onChange((c) => changes.push(c));
    r.watch(['gw.example.com']);
    await waitFor(() => changes.length === 1, 'the first answer');

    dns.set('gw.example.com', { rcode: 'SERVFAIL' });
    await waitFor(() => r.status()[0]!.lastError !== undefined, 'the SERVFAIL to be recorded');
    assert.match(r.status()[0]!.lastError!, /resolve gw\.example\.com: A ESERVFAIL, AAAA ESERVFAIL/);
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.10']);
    // It keeps asking at the minimum TTL while failing.
    const failedAt = dns.queries.length;
    await waitFor(() => dns.queries.length >= failedAt + 2, 'a retry');
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.10']);

    dns.set('gw.example.com', { a: ['192.0.2.99'], ttl: 0 });
    await waitFor(() => changes.length === 2, 'recovery with a new answer');
    assert.deepEqual(changes[1]!.addresses, ['192.0.2.99']);
    assert.equal(r.status()[0]!.lastError, undefined);
  });

  it('keeps the last good answer when the DNS server is gone (no answer at all)', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], ttl: 0 });
    const r = resolver({ minTtlMs: 150, maxTtlMs: 1000 });
    r.watch(['gw.example.com']);
    await waitFor(() => r.lookup('gw.example.com') !== undefined, 'the first answer');
    await dns.close();
    await waitFor(() => r.status()[0]!.lastError !== undefined, 'the failure to be recorded');
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.10']);
    dns = await TestDnsServer.start(); // for afterEach
  });

  it('an authoritative "no such name" is an answer: the addresses go away (as istiod)', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], ttl: 0 });
    const r = resolver({ minTtlMs: 150, maxTtlMs: 1000 });
    const changes: HostnameChange[] = [];
    r.onChange((c) => changes.push(c));
    r.watch(['gw.example.com']);
    await waitFor(() => changes.length === 1, 'the first answer');
    dns.set('gw.example.com', { rcode: 'NXDOMAIN' });
    await waitFor(() => changes.length === 2, 'the name to disappear');
    assert.deepEqual(changes[1], { hostname: 'gw.example.com', addresses: [], previous: ['192.0.2.10'] });
    assert.equal(r.status()[0]!.lastError, undefined);
  });

  it('a failing AAAA query keeps the last good IPv6 addresses and still updates IPv4 (per family, unlike istiod)', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], aaaa: ['2001:db8::10'], ttl: 0 });
    const r = resolver({ minTtlMs: 150, maxTtlMs: 1000 });
    r.watch(['gw.example.com']);
    await waitFor(() => r.lookup('gw.example.com')?.length === 2, 'both families');
    dns.set('gw.example.com', { a: ['192.0.2.11'], failTypes: ['AAAA'], ttl: 0 });
    await waitFor(() => r.lookup('gw.example.com')?.[0] === '192.0.2.11', 'the new IPv4 address');
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.11', '2001:db8::10']);
    assert.match(r.status()[0]!.lastError!, /AAAA ESERVFAIL/);
    assert.doesNotMatch(r.status()[0]!.lastError!, /\bA ESERVFAIL/);
  });

  it('a failing family is retried at the minimum TTL even when the other answers with a long TTL', async () => {
    dns.set('gw.example.com', { a: ['192.0.2.10'], failTypes: ['AAAA'], ttl: 3600 });
    const r = resolver({ minTtlMs: 150, maxTtlMs: 3_600_000 });
    r.watch(['gw.example.com']);
    await waitFor(() => r.status()[0]!.lastError !== undefined, 'the AAAA failure to be recorded');
    assert.deepEqual(r.lookup('gw.example.com'), ['192.0.2.10'], 'the IPv4 answer is used meanwhile');
    // Not the hour the A answer allows: the failure decides when to ask again.
    assert.equal(r.status()[0]!.ttlMs, 150);
    dns.set('gw.example.com', { a: ['192.0.2.10'], aaaa: ['2001:db8::10'], ttl: 3600 });
    await waitFor(() => r.lookup('gw.example.com')?.length === 2, 'the AAAA retried and answered');
    assert.equal(r.status()[0]!.lastError, undefined);
    // Both families answered: now the (clamped) TTL of the answer applies.
    assert.equal(r.status()[0]!.ttlMs, 3_600_000);
  });

  it('watch() forgets dropped hostnames and stop() ends every timer: no more queries', async () => {
    dns.set('a.example.com', { a: ['192.0.2.1'], ttl: 0 });
    dns.set('b.example.com', { a: ['192.0.2.2'], ttl: 0 });
    const r = resolver({ minTtlMs: 100, maxTtlMs: 1000 });
    r.watch(['a.example.com', 'b.example.com']);
    await waitFor(() => r.lookup('a.example.com') !== undefined && r.lookup('b.example.com') !== undefined, 'both answers');
    r.watch(['b.example.com']);
    assert.equal(r.lookup('a.example.com'), undefined);
    assert.deepEqual(r.status().map((s) => s.hostname), ['b.example.com']);
    // A query for a.example.com already on the wire may still land: count once b has been asked again.
    const bAsked = () => dns.queriesFor('b.example.com', 'A').length;
    const bNow = bAsked();
    await waitFor(() => bAsked() >= bNow + 1, 'b to be refreshed');
    const aQueries = dns.queriesFor('a.example.com').length;
    await waitFor(() => bAsked() >= bNow + 3, 'b to be refreshed twice more');
    assert.equal(dns.queriesFor('a.example.com').length, aQueries);

    r.stop();
    r.watch(['c.example.com']); // ignored after stop()
    // No fixed sleep: a second resolver is the clock. Count once it has ticked (in-flight packets of the
    // stopped one have landed by then), then check that nothing else arrives over several more ticks.
    const clock = resolver({ minTtlMs: 100, maxTtlMs: 1000 });
    dns.set('clock.example.com', { a: ['192.0.2.3'], ttl: 0 });
    clock.watch(['clock.example.com']);
    const ticks = () => dns.queriesFor('clock.example.com', 'A').length;
    await waitFor(() => ticks() >= 1, 'the clock resolver to start');
    const others = () => dns.queries.filter((q) => q.name !== 'clock.example.com').length;
    const total = others();
    await waitFor(() => ticks() >= 5, 'the clock resolver to tick');
    assert.equal(others(), total);
    assert.deepEqual(r.status(), []);
  });
});

describe('topology/GatewayHostnameResolver configuration', () => {
  it('an invalid DNS server list fails at construction with a message saying so', () => {
    assert.throws(() => new GatewayHostnameResolver({ servers: ['not a server'] }), /DNS servers \["not a server"\] for gateway hostnames are invalid/);
  });
});
