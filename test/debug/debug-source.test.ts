// The debug API depends only on DebugSource, declared in debug/: a fake of plain data serves every
// endpoint in its documented shape, and a source that fails answers 500 for that request alone.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { HorizonMetrics, startDebugServer, type ClusterzEntry, type MeshView, type Networkz } from '../../src/debug/index.js';
import { getJson } from '../support/debug-http.js';
import { repoRoot } from '../support/demo-mesh.js';
import { fakeSource } from './fake-source.js';

describe('debug API over a DebugSource', function () {
  this.timeout(30_000);

  it('debug/ imports no concrete class of the server (only types, and no Horizon)', async () => {
    const dir = path.join(repoRoot, 'src/debug');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const text = await readFile(path.join(dir, f), 'utf8');
      assert.ok(!/from '\.\.\/(\.\.\/)?horizon\.js'/.test(text), `${f} imports horizon.ts`);
      for (const m of text.matchAll(/^import (type )?\{([^}]*)\} from '([^']+)'/gm)) {
        const [, typeOnly, names, from] = m;
        for (const concrete of ['MeshResourceProvider', 'Registry', 'RemoteSecretController', 'MeshModel', 'MeshNetworksSources', 'ClusterSource', 'XdsServer']) {
          const named = names!.split(',').map((n) => n.trim().replace(/^type /, ''));
          assert.ok(!(named.includes(concrete) && from!.startsWith('..')), `${f} imports ${concrete}${typeOnly ? ' (type)' : ''} from ${from}`);
        }
      }
    }
  });

  it('serves plain data in the documented shapes', async () => {
    const source = fakeSource(
      {},
      {
        mesh: {
          topology: () => ({
            gateways: [{ network: 'n2', cluster: 'c2', address: '192.0.2.2', port: 15443, source: 'service', origin: 'c2/istio-system/gw' }],
            problems: [{ severity: 'warning', subject: 'meshNetworks', message: 'careful' }],
            unresolvedHostnames: ['gw.example'],
          }),
          meshNetworks: () => ({
            effective: { networks: [{ name: 'n2', endpoints: [{ fromRegistry: 'c2' }], gateways: [] }] },
            overridden: ['n2'],
            sources: [{ name: 'file /x', value: { networks: [{ name: 'n2', endpoints: [], gateways: [] }] }, loadedAt: '2026-01-01T00:00:00.000Z' }],
          }),
        },
        clusters: {
          statuses: () => [{ id: 'c1', primary: true, origin: 'primary', server: 'https://127.0.0.1:1', syncStatus: 'synced', watches: [] }],
          remoteSecrets: () => [{ secret: { namespace: 'istio-system', name: 's', key: 'c9' }, clusterId: 'c9', state: 'refused', error: 'bad', since: 'now' }],
        },
      },
    );
    const server = await startDebugServer({ address: '127.0.0.1:0', source, metrics: new HorizonMetrics() });
    try {
      const nz = await getJson<Networkz>(server.url, '/debug/networkz');
      assert.deepEqual(nz.body, {
        gateways: [{ network: 'n2', cluster: 'c2', address: '192.0.2.2', port: 15443, source: 'service', origin: 'c2/istio-system/gw' }],
        problems: [{ severity: 'warning', subject: 'meshNetworks', message: 'careful' }],
        unresolvedHostnames: ['gw.example'],
      });
      const cz = await getJson<ClusterzEntry[]>(server.url, '/debug/clusterz');
      assert.deepEqual(
        cz.body.map((c) => [c.id, c.syncStatus, c.lastError]),
        [
          ['c1', 'synced', undefined],
          ['c9', 'refused', 'bad'],
        ],
      );
      const mv = await getJson<MeshView>(server.url, '/debug/mesh');
      assert.deepEqual(mv.body, {
        meshNetworks: { networks: { n2: { endpoints: [{ fromRegistry: 'c2' }], gateways: [] } } },
        overridden: ['n2'],
        sources: [{ name: 'file /x', loaded: true, loadedAt: '2026-01-01T00:00:00.000Z', networks: ['n2'] }],
        meshConfig: { from: 'default', sources: [] },
      });
      assert.deepEqual((await getJson(server.url, '/debug/adsz')).body, { totalClients: 0, clients: [] });
      assert.equal((await getJson(server.url, '/ready')).status, 200);
    } finally {
      await server.close();
    }
  });

  it('a source that throws costs that request a 500, nothing more', async () => {
    const source = fakeSource({}, { mesh: { hostnames: () => { throw new Error('registry on fire'); } } });
    const server = await startDebugServer({ address: '127.0.0.1:0', source, metrics: new HorizonMetrics() });
    try {
      const r = await getJson<{ error: string }>(server.url, '/debug/endpointz');
      assert.equal(r.status, 500);
      assert.match(r.body.error, /internal error: registry on fire/);
      assert.equal((await getJson(server.url, '/debug/networkz')).status, 200);
      assert.equal((await getJson(server.url, '/healthz')).status, 200);
    } finally {
      await server.close();
    }
  });
});
