// A debug read never fills, evicts or counts in the serving cache: every view that shows resources
// (config_dump, edsz by proxy and by network, configz) generates them on request through the DebugSource's
// uncached entry points. Checked on a real Horizon with a connected client, by the provider's own counters.
import { strict as assert } from 'node:assert';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE, CLUSTER_TYPE } from '../../src/xds/type-urls.js';
import { getJson } from '../support/debug-http.js';
import { claAddresses, HELLO_CLA, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';

describe('debug reads and the serving cache', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  let client: AdsClient | undefined;
  before(async () => {
    mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    client?.close();
    await mesh?.close();
  });

  it('config_dump, edsz (by proxy and by network), configz, adsz and syncz leave hits, misses and entries as they were', async () => {
    const url = mesh.horizon.debug!.url;
    client = new AdsClient({ address: mesh.horizon.xds.address, node: { id: 'sidecar~127.0.0.1~cache-watcher.sample~sample.svc.cluster.local', metadata: { NETWORK: 'network1' } } });
    client.subscribe(CLUSTER_TYPE, [HELLO_CLA]);
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
    await client.waitFor(() => claAddresses(client!).length > 0, 15_000, 'the client has its assignment');
    await client.waitFor(() => client!.resources(CLUSTER_TYPE).has(HELLO_CLA), 15_000, 'the client has its cluster');

    const before = mesh.horizon.provider.stats();
    assert.ok(before.entries > 0, 'the client filled the cache');
    for (const path of [
      '/debug/config_dump?proxyID=cache-watcher',
      '/debug/edsz?proxyID=cache-watcher',
      '/debug/edsz?network=network1',
      '/debug/edsz?network=network2&host=helloworld.sample',
      '/debug/configz',
      '/debug/adsz',
      '/debug/syncz',
      '/debug/endpointz',
    ]) {
      const r = await getJson(url, path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
    }
    const dump = await getJson<{ resources: Record<string, { name: string; upToDate: boolean }[]> }>(url, '/debug/config_dump?proxyID=cache-watcher');
    assert.deepEqual(dump.body.resources.EDS!.map((r) => [r.name, r.upToDate]), [[HELLO_CLA, true]], 'generated uncached, the same version as sent');
    assert.deepEqual(dump.body.resources.CDS!.map((r) => [r.name, r.upToDate]), [[HELLO_CLA, true]]);
    const after = mesh.horizon.provider.stats();
    assert.deepEqual({ hits: after.hits, misses: after.misses, entries: after.entries }, { hits: before.hits, misses: before.misses, entries: before.entries });
  });
});
