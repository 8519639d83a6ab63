// The time of the watch event behind a push travels with it (merged as the oldest) to the server,
// which reports event-to-send time per response; observers can be combined.
import { strict as assert } from 'node:assert';
import { mergePushRequests } from '../../src/xds/server/provider.js';
import { combineObservers, type PushSentEvent } from '../../src/xds/server/observer.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/server.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { encodedResource } from '../../src/xds/codec/any.js';
import { encodeClusterLoadAssignment } from '../../src/xds/resources/index.js';
import type { XdsResourceProvider } from '../../src/xds/server/provider.js';
import { waitFor } from '../support/wait.js';

const EDS = CLUSTER_LOAD_ASSIGNMENT_TYPE;

describe('xds: event time of pushes', () => {
  it('mergePushRequests keeps the oldest `since`, for full and partial pushes', () => {
    const a = { changes: new Map([[EDS, new Set(['x'])]]), since: 2000 };
    const b = { changes: new Map([[EDS, new Set(['y'])]]), since: 1000 };
    assert.equal(mergePushRequests(a, b).since, 1000);
    assert.equal(mergePushRequests({ full: true, since: 5 }, b).since, 5);
    assert.equal(mergePushRequests({}, { changes: new Map() }).since, undefined);
    assert.equal(mergePushRequests({ since: 7 }, {}).since, 7);
  });

  it('combineObservers calls every observer even when one throws, then rethrows', () => {
    const seen: string[] = [];
    const combined = combineObservers(
      { onNack: () => { seen.push('a'); throw new Error('boom'); } },
      undefined,
      { onNack: () => seen.push('b') },
    );
    assert.throws(() => combined.onNack!({ connectionId: 'c', node: {} as never, typeUrl: EDS, nonce: '1', version: '1', message: 'm' }), /boom/);
    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(combined.onConnect, undefined);
  });

  describe('with a server', () => {
    let server: XdsServer;
    let client: AdsClient;
    let weight = 1;
    const sent: PushSentEvent[] = [];
    const provider: XdsResourceProvider = {
      resources: (_t, _n, names) =>
        [...(names ?? [])].map((name) =>
          encodedResource(EDS, name, encodeClusterLoadAssignment({ clusterName: name, endpoints: [{ locality: { region: '', zone: '', subzone: '' }, lbEndpoints: [{ address: '10.0.0.1', port: 80, loadBalancingWeight: weight }] }] })),
        ),
    };
    before(async () => {
      server = await startXdsServer({ address: '127.0.0.1:0', provider, observer: { onPushSent: (e) => sent.push(e) } });
      client = new AdsClient({ address: server.address, node: { id: 'n' } });
    });
    after(async () => {
      client?.close();
      await server?.close();
    });

    it('reports eventToSendMs for pushes that carry `since`, not for request-driven responses', async () => {
      client.subscribe(EDS, ['c1']);
      await waitFor(() => sent.length === 1, 'first response', { timeoutMs: 10_000 });
      assert.equal(sent[0]!.trigger, 'request');
      assert.equal(sent[0]!.eventToSendMs, undefined);
      weight = 2;
      const since = Date.now() - 250;
      server.push({ changes: new Map([[EDS, new Set(['c1'])]]), since });
      await waitFor(() => sent.length === 2, 'pushed response', { timeoutMs: 10_000 });
      assert.equal(sent[1]!.trigger, 'push');
      assert.ok(sent[1]!.eventToSendMs! >= 250 && sent[1]!.eventToSendMs! < 30_000, String(sent[1]!.eventToSendMs));
      weight = 3;
      server.push({ changes: new Map([[EDS, new Set(['c1'])]]) });
      await waitFor(() => sent.length === 3, 'push without since', { timeoutMs: 10_000 });
      assert.equal(sent[2]!.eventToSendMs, undefined, 'an earlier event time is not carried over');
    });
  });
});
