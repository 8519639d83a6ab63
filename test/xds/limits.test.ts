// What a client decides the size of is bounded (limits.ts): names per stream, streams per HTTP/2
// connection and per client address, request bytes, node metadata (bytes and nesting). Hitting a limit
// ends that client's stream with RESOURCE_EXHAUSTED naming the limit and its flag, counts it, and logs
// one line per client; nobody else notices. Repeated NACKs are logged once, then counted.
import * as grpc from '@grpc/grpc-js';
import { strict as assert } from 'node:assert';
import { pino } from 'pino';
import type { Limits } from '../../src/limits.js';
import { encodeDeltaDiscoveryRequest, encodeDiscoveryRequest } from '../../src/xds/codec/requests.js';
import type { LimitEvent, NackEvent } from '../../src/xds/server/observer.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS, CLUSTER_TYPE as CDS } from '../../src/xds/type-urls.js';
import { waitFor } from '../support/wait.js';
import { claInput, changes, harness, type Harness } from './ads-support.js';

interface Setup extends Harness {
  limits: LimitEvent[];
  nacks: NackEvent[];
  /** Log lines (parsed) at warn and above. */
  lines: { msg: string; [k: string]: unknown }[];
}

let setup: Setup | undefined;

async function start(limits: Partial<Limits> = {}): Promise<Setup> {
  const lines: Setup['lines'] = [];
  const log = pino({ level: 'warn', base: undefined }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const limitEvents: LimitEvent[] = [];
  const nacks: NackEvent[] = [];
  const h = await harness({ onLimitExceeded: (e) => limitEvents.push(e), onNack: (e) => nacks.push(e) }, { limits, log });
  setup = Object.assign(h, { limits: limitEvents, nacks, lines });
  return setup;
}

const names = (n: number, prefix = 'svc') => Array.from({ length: n }, (_, i) => `outbound|5000||${prefix}-${i}.ns.svc.cluster.local`);

/** A client on the same server that must not notice: it gets a change pushed after the hostile one is done. */
async function wellBehavedStillServed(s: Setup): Promise<void> {
  s.provider.cla(claInput('good', 1));
  const good = s.client();
  good.subscribe(EDS, ['good']);
  await good.waitFor(() => good.resources(EDS).has('good'), 10_000, 'good client served');
  s.provider.cla(claInput('good', 2));
  s.server.push(changes([EDS, ['good']]));
  await good.waitFor(() => JSON.stringify(good.resources(EDS).get('good')?.decoded?.value ?? '').includes('10.2.0.1'), 10_000, 'the change pushed');
  assert.equal(good.status, undefined);
}

describe('xds server limits', function () {
  this.timeout(60_000);
  afterEach(async () => {
    await setup?.close();
    setup = undefined;
  });

  it('a SotW stream asking 100,000 names is refused with RESOURCE_EXHAUSTED naming the limit and its flag (default limits)', async () => {
    const s = await start();
    const hostile = s.client();
    // Short names: 100,000 of them fit well within the request byte limit.
    hostile.subscribe(EDS, Array.from({ length: 100_000 }, (_, i) => `n${i}`));
    const status = await hostile.closed(20_000);
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED, status.details);
    assert.match(status.details, /limit exceeded: at most 20000 resource names per xDS stream \(got 100000\); raise it with --max-names-per-stream/);
    assert.equal(s.limits.length, 1);
    assert.equal(s.limits[0]!.limit, 'namesPerStream');
    await waitFor(() => s.server.connectionCount() === 0, 'the hostile stream gone');
    assert.deepEqual(s.server.subscribedNames(EDS, 'n1'), [], 'nothing of it kept');
    await wellBehavedStillServed(s);
  });

  it('names count over all types and requests: SotW growing type by type, delta growing request by request', async () => {
    const s = await start({ namesPerStream: 10 });
    const sotw = s.client();
    sotw.subscribe(CDS, names(6, 'c'));
    sotw.subscribe(EDS, names(4, 'e'));
    await waitFor(() => s.server.connections()[0]?.types.length === 2, 'ten names accepted');
    assert.equal(sotw.status, undefined, 'exactly at the limit is fine');
    sotw.subscribe(EDS, names(5, 'e'));
    const st = await sotw.closed();
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /at most 10 resource names per xDS stream \(got 11\)/);

    const delta = s.client({ mode: 'delta' });
    for (let i = 0; i < 10; i++) delta.subscribe(EDS, [`d${i}`]);
    delta.unsubscribe(EDS, ['d0']);
    delta.subscribe(EDS, ['d10']);
    await waitFor(() => s.server.connections().some((c) => c.kind === 'delta' && c.types[0]?.subscribed.length === 10), 'delta at the limit');
    delta.subscribe(EDS, ['d11']);
    const dst = await delta.closed();
    assert.equal(dst.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(dst.details, /--max-names-per-stream/);
  });

  it('delta initial_resource_versions and subscriptions past the limit are refused before they are decoded', async () => {
    const s = await start({ namesPerStream: 100 });
    const versions = Object.fromEntries(names(1000).map((n) => [n, 'v1']));
    const c = s.client({ mode: 'delta' });
    c.sendRaw(encodeDeltaDiscoveryRequest({ node: { id: 'x' }, typeUrl: EDS, initialResourceVersions: versions }));
    const st = await c.closed();
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /DeltaDiscoveryRequest: limit exceeded: at most 100 resource names per xDS stream \(got 1000\)/);
  });

  it('streams per HTTP/2 connection and per client address; a closed stream frees its place', async () => {
    const s = await start({ streamsPerConnection: 2, streamsPerClientAddress: 3 });
    const channel = new grpc.Client(s.server.address, grpc.credentials.createInsecure());
    try {
      const shared = [0, 1, 2].map(() => s.client({ channel }));
      for (const c of shared) c.subscribe(EDS, ['a']);
      const refused = await Promise.race(shared.map((c) => c.closed(10_000).then((st) => ({ c, st }))));
      assert.equal(refused.st.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(refused.st.details, /at most 2 concurrent streams per HTTP\/2 connection \(got 3\); raise it with --max-streams-per-connection/);
      // Two streams open on the shared connection; one more on its own connection reaches the address limit.
      const own = s.client();
      own.subscribe(EDS, ['a']);
      await waitFor(() => s.server.connectionCount() === 3, 'three streams from 127.0.0.1');
      const fourth = s.client();
      fourth.subscribe(EDS, ['a']);
      const st = await fourth.closed();
      assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.match(st.details, /at most 3 concurrent xDS streams per client address \(got 4\); raise it with --max-streams-per-client-address/);
      own.close();
      await waitFor(() => s.server.connectionCount() === 2, 'a stream closed');
      const again = s.client();
      s.provider.cla(claInput('a', 1));
      again.subscribe(EDS, ['a']);
      await again.waitFor(() => again.resources(EDS).has('a'), 10_000, 'admitted once there is room');
      assert.deepEqual(
        s.limits.map((e) => e.limit),
        ['streamsPerConnection', 'streamsPerClientAddress'],
      );
    } finally {
      channel.close();
    }
  });

  it('names per client address, over all its streams: many streams each under the per-stream limit cannot add up past it', async () => {
    const s = await start({ namesPerStream: 10, namesPerClientAddress: 25 });
    const a = s.client();
    const b = s.client();
    a.subscribe(EDS, names(10, 'a'));
    b.subscribe(EDS, names(10, 'b'));
    await waitFor(() => s.server.connections().filter((c) => c.types[0]?.subscribed.length === 10).length === 2, 'two streams of ten names');
    const c = s.client();
    c.subscribe(EDS, names(6, 'c'));
    const st = await c.closed();
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /at most 25 resource names subscribed per client address, over all its streams \(got 26\); raise it with --max-names-per-client-address/);
    // A closed stream gives its names back: up to the limit exactly fits again.
    a.close();
    await waitFor(() => s.server.connectionCount() === 1, 'a closed');
    const d = s.client();
    d.subscribe(EDS, names(10, 'd'));
    const e = s.client();
    e.subscribe(EDS, names(5, 'e'));
    await waitFor(() => s.server.connections().map((x) => x.types[0]?.subscribed.length).join() === '10,10,5', 'twenty-five names in three streams');
    for (const x of [b, d, e]) assert.equal(x.status, undefined);
    assert.deepEqual(s.limits.map((e) => e.limit), ['namesPerClientAddress']);
  });

  it('node metadata: too many bytes is RESOURCE_EXHAUSTED, nesting past 32 levels INVALID_ARGUMENT; neither disturbs others', async () => {
    const s = await start({ nodeMetadataBytes: 1024 });
    const big = s.client({ node: { id: 'big', metadata: { NETWORK: 'n', PAD: 'x'.repeat(5000) } } });
    big.subscribe(EDS, ['a']);
    const st = await big.closed();
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /DiscoveryRequest node metadata: limit exceeded: at most 1024 bytes of node metadata \(got 50\d\d\); raise it with --max-node-metadata-bytes/);

    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const nested = s.client({ node: { id: 'deep', metadata: deep } });
    nested.subscribe(EDS, ['a']);
    const nst = await nested.closed();
    assert.equal(nst.code, grpc.status.INVALID_ARGUMENT);
    assert.match(nst.details, /Struct nested deeper than 32 levels/);
    await wellBehavedStillServed(s);
  });

  it('a request over the byte limit is refused by grpc-js before it is buffered (RESOURCE_EXHAUSTED)', async () => {
    // The default limit is 4 MiB (grpc-js's own default cap was 16 MiB here before).
    const s = await start();
    const c = s.client();
    c.sendRaw(encodeDiscoveryRequest({ node: { id: 'x' }, typeUrl: EDS, resourceNames: ['y'.repeat(5 * 1024 * 1024)] }));
    const st = await c.closed(20_000);
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /larger than max/);
    await wellBehavedStillServed(s);
  });

  it('one client hitting a limit on many streams: every hit counted, one log line', async () => {
    const s = await start({ namesPerStream: 5 });
    const streams = Array.from({ length: 20 }, () => s.client());
    for (const c of streams) c.subscribe(EDS, names(6));
    await Promise.all(streams.map((c) => c.closed()));
    assert.equal(s.limits.length, 20);
    const lines = s.lines.filter((l) => l.msg === 'xDS client hit a limit');
    assert.equal(lines.length, 1, JSON.stringify(s.lines));
    assert.equal(lines[0]!.limit, 'namesPerStream');
    assert.equal(lines[0]!.client, '127.0.0.1');
  });

  it('a NACK storm: 1000 NACKs are 1000 counts, one log line, and the last NACK kept for syncz', async () => {
    const s = await start();
    s.provider.cla(claInput('a', 1));
    const c = s.client({ autoAck: false });
    c.subscribe(EDS, ['a']);
    await c.waitFor(() => c.resources(EDS).has('a'));
    for (let i = 0; i < 1000; i++) c.nack(EDS, `rejected ${i} ${'z'.repeat(5000)}`);
    await waitFor(() => s.nacks.length === 1000, '1000 NACKs counted', { timeoutMs: 20_000 });
    const nackLines = s.lines.filter((l) => /NACK/.test(l.msg));
    assert.equal(nackLines.length, 1, nackLines.map((l) => l.msg).join('\n'));
    const last = s.server.connections()[0]!.types[0]!.lastNack!;
    assert.match(last.message, /^rejected 999 z+\.\.\. \(5013 characters\)$/, 'kept, clipped to 1 KiB');
    assert.ok(last.message.length < 1100);
    await s.server.close();
    assert.equal(s.lines.filter((l) => /NACK/.test(l.msg)).length, 2, 'closing says how many were not logged');
    assert.match(String(s.lines.at(-1)!.msg), /rejected 999 more responses/);
  });

  it('unknown type URLs: a bounded record per stream, one log line per client', async () => {
    const s = await start();
    const c = s.client();
    for (let i = 0; i < 200; i++) c.subscribe(`type.googleapis.com/unknown.${i}.${'t'.repeat(1000)}`, ['x']);
    await waitFor(() => (s.server.connections()[0]?.unknownTypes.reduce((n, u) => n + u.requests, 0) ?? 0) >= 16, 'unknown types recorded');
    await new Promise((r) => setTimeout(r, 300));
    const snap = s.server.connections()[0]!;
    assert.equal(snap.unknownTypes.length, 16);
    assert.ok(snap.unknownTypes.every((u) => u.typeUrl.length < 300));
    assert.equal(s.lines.filter((l) => /unknown xDS type/.test(l.msg)).length, 1);
    assert.equal(c.status, undefined);
  });
});
