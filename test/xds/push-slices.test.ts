// A push to many streams is flushed in time slices: the event loop runs between slices (timers, I/O and
// ACKs are not held back for the whole push), every stream still gets the change, and each stream still
// gets CDS before EDS.
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import type { XdsNode } from '../../src/xds/xds-node.js';
import type { PushSentEvent } from '../../src/xds/server/observer.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/server.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS, CLUSTER_TYPE as CDS } from '../../src/xds/type-urls.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';
import { waitFor } from '../support/wait.js';
import { claInput, edsCluster } from './ads-support.js';

/** A provider that takes its time, so one push to all streams lasts many slices. */
class SlowProvider extends StaticProvider {
  delayMs = 0;
  override resources(typeUrl: string, node: XdsNode, names: ReadonlySet<string> | undefined) {
    const until = performance.now() + this.delayMs;
    while (performance.now() < until) {
      // busy: stands for resource generation
    }
    return super.resources(typeUrl, node, names);
  }
}

describe('xds server: pushes in slices', function () {
  this.timeout(60_000);
  const STREAMS = 60;
  let server: XdsServer;
  let provider: SlowProvider;
  let channel: grpc.Client;
  const clients: AdsClient[] = [];
  const sent: PushSentEvent[] = [];

  before(async () => {
    provider = new SlowProvider();
    provider.cluster(edsCluster('c1'), 'v1');
    provider.cla(claInput('c1', 1), 'v1');
    server = await startXdsServer({ address: '127.0.0.1:0', provider, log: quietLog, observer: { onPushSent: (e) => sent.push(e) } });
    channel = new grpc.Client(server.address, grpc.credentials.createInsecure());
    for (let i = 0; i < STREAMS; i++) {
      const c = new AdsClient({ address: server.address, channel, node: { id: `n${i}`, metadata: { NETWORK: 'network1' } } });
      c.subscribe(CDS, ['c1']);
      c.subscribe(EDS, ['c1']);
      clients.push(c);
    }
    await waitFor(() => clients.every((c) => c.resources(CDS).has('c1') && c.resources(EDS).has('c1')), 'every stream synced', { timeoutMs: 20_000 });
  });
  after(async () => {
    for (const c of clients) c.close();
    channel?.close();
    await server?.close();
  });

  it('yields the event loop during a long push; every stream gets CDS then EDS', async () => {
    provider.cluster(edsCluster('c1'), 'v2');
    provider.cla(claInput('c1', 2), 'v2');
    // Each stream costs ~2 x 0.5 ms here: the whole push lasts many slices.
    provider.delayMs = 0.5;
    const before = sent.length;
    let sentWhenLoopRan = -1;
    server.push({ changes: new Map([[CDS, new Set(['c1'])], [EDS, new Set(['c1'])]]) });
    // Each stream costs at least 1 ms here, far more than a slice: push() returns with most left to do.
    const sentWhenPushReturned = sent.length - before;
    setImmediate(() => {
      sentWhenLoopRan = sent.length - before;
    });
    await waitFor(() => sent.length - before >= 2 * STREAMS, 'every stream written', { timeoutMs: 20_000 });
    provider.delayMs = 0;
    assert.ok(sentWhenPushReturned > 0 && sentWhenPushReturned < 2 * STREAMS, `push() wrote its first slice and returned (${sentWhenPushReturned} of ${2 * STREAMS} written)`);
    assert.ok(sentWhenLoopRan > 0 && sentWhenLoopRan < 2 * STREAMS, `the event loop ran mid-push (${sentWhenLoopRan} of ${2 * STREAMS} responses written by then)`);
    // Per stream: the CDS response was written before the EDS one.
    const mine = sent.slice(before);
    for (const conn of new Set(mine.map((e) => e.connectionId))) {
      const types = mine.filter((e) => e.connectionId === conn).map((e) => e.typeUrl);
      assert.deepEqual(types, [CDS, EDS], conn);
    }
    await waitFor(
      () => clients.every((c) => c.resources(CDS).get('c1')?.version === server.version() && c.resources(EDS).get('c1')?.version === server.version()),
      'every client has the new version of both',
      { timeoutMs: 20_000 },
    );
  });

  it('a push arriving while one is still being flushed merges into it: the latest state wins, nothing lost', async () => {
    provider.delayMs = 0.3;
    const before = sent.length;
    provider.cla(claInput('c1', 3), 'v3');
    server.push({ changes: new Map([[EDS, new Set(['c1'])]]) });
    provider.cla(claInput('c1', 4), 'v4');
    server.push({ changes: new Map([[EDS, new Set(['c1'])]]) });
    await waitFor(() => {
      const latest = clients.map((c) => (c.resources(EDS).get('c1')!.decoded!.value as { endpoints: { lbEndpoints: { address: string }[] }[] }).endpoints[0]!.lbEndpoints[0]!.address);
      return latest.every((a) => a === '10.4.0.1');
    }, 'every client ends with the last assignment', { timeoutMs: 20_000 });
    provider.delayMs = 0;
    // At most two responses per stream (a stream flushed before the second push gets both), never more.
    const perConn = new Map<string, number>();
    for (const e of sent.slice(before)) perConn.set(e.connectionId, (perConn.get(e.connectionId) ?? 0) + 1);
    for (const [conn, n] of perConn) assert.ok(n <= 2, `${conn}: ${n} responses`);
    assert.ok([...perConn.values()].some((n) => n === 1), 'streams not yet flushed when the second push came got one merged response');
  });
});
