// Who may read the debug API, where it may listen, and readiness: token checks over real HTTP, the
// refusal of an exposed address without a token, a port in use, /ready going from 503 to 200.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { bearerMatches, checkDebugAddress, isLoopbackHost } from '../../src/debug/index.js';
import { startHorizon } from '../../src/horizon.js';
import { getJson } from '../support/debug-http.js';
import { secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const TOKEN = 'test-token-4f1c9a';

function deadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
    users: [{ name: 'u', token: 'x' }],
    contexts: [{ name: 'dead', cluster: 'c', user: 'u' }],
    currentContext: 'dead',
  });
  return kc;
}

describe('debug API access and readiness', function () {
  this.timeout(90_000);

  it('knows loopback addresses and compares bearer tokens exactly', () => {
    for (const h of ['127.0.0.1', '127.9.8.7', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.4', 'example.com', '128.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
    assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`bearer  ${TOKEN} `, TOKEN), true);
    assert.equal(bearerMatches(`Bearer ${TOKEN}x`, TOKEN), false);
    assert.equal(bearerMatches(`Basic ${TOKEN}`, TOKEN), false);
    assert.equal(bearerMatches(undefined, TOKEN), false);
    assert.equal(bearerMatches('Bearer ', TOKEN), false);
    assert.doesNotThrow(() => checkDebugAddress('0.0.0.0:15014', TOKEN));
    assert.throws(() => checkDebugAddress('nonsense', undefined), /debug address 'nonsense' is not host:port/);
  });

  it('refuses a non-loopback debug address without a token, before anything starts', async () => {
    await assert.rejects(
      startHorizon({ kubeConfig: deadKubeConfig(), contexts: ['dead'], xdsAddress: '127.0.0.1:0', debugAddress: '0.0.0.0:15014' }),
      /debug address 0\.0\.0\.0:15014 is reachable from other machines and no debug token is set: set one with --debug-token or HORIZON_DEBUG_TOKEN/,
    );
    await assert.rejects(
      startHorizon({ kubeConfig: deadKubeConfig(), contexts: ['dead'], xdsAddress: '127.0.0.1:0', debugAddress: '[::]:0', debugToken: '' }),
      /no debug token is set/,
    );
  });

  it('a debug port in use is a clear error naming the address', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(startDemoMesh({ debugAddress: `127.0.0.1:${port}` }), new RegExp(`debug address 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  describe('with a token', () => {
    let mesh: DemoMesh;
    let url: string;
    before(async () => {
      mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0', debugToken: TOKEN });
      await mesh.horizon.whenReady();
      url = mesh.horizon.debug!.url;
    });
    after(async () => {
      await mesh?.close();
    });

    it('every request needs it: 401 JSON without or with a wrong one, 200 with it', async () => {
      for (const path of ['/debug/clusterz', '/debug', '/metrics', '/debug/edsz?network=network1', '/no-such-path']) {
        const none = await getJson<{ error: string }>(url, path);
        assert.equal(none.status, 401, path);
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
        assert.match(none.body.error, /requires a token: send "Authorization: Bearer <token>"/);
        assert.equal((await getJson(url, path, { token: `${TOKEN}-wrong` })).status, 401, `${path} wrong token`);
      }
      const ok = await getJson<{ id: string }[]>(url, '/debug/clusterz', { token: TOKEN });
      assert.equal(ok.status, 200);
      assert.equal(ok.body[0]!.id, 'cluster1');
      assert.equal((await getJson(url, '/metrics', { token: TOKEN })).status, 200);
      assert.equal((await getJson(url, '/no-such-path', { token: TOKEN })).status, 404);
    });

    it('probes stay open: /healthz, and /ready with the verdict only (reasons need the token)', async () => {
      assert.equal((await getJson(url, '/healthz')).status, 200);
      const open = await getJson<Record<string, unknown>>(url, '/ready');
      assert.equal(open.status, 200);
      assert.deepEqual(open.body, { ready: true });
      const full = await getJson<Record<string, unknown>>(url, '/ready', { token: TOKEN });
      assert.deepEqual(full.body, { ready: true, reasons: [] });
    });
  });

  it('/ready is 503 with the reasons while a remote cluster syncs, then 200', async () => {
    const mesh = await startDemoMesh({
      debugAddress: '127.0.0.1:0',
      remoteClusterTimeoutMs: 120_000,
      // cluster2 is registered but its API server is down when Horizon starts: it stays `syncing`.
      prepare: async (set) => {
        const c2 = set.get('cluster2');
        await c2.stop();
        set.get('cluster1').create(secretObject('cluster2-secret', { cluster2: c2.kubeconfigYaml({ contextName: 'cluster2' }) }));
      },
    });
    try {
      const url = mesh.horizon.debug!.url;
      await waitFor(
        async () => {
          const r = await getJson<{ ready: boolean; reasons: string[] }>(url, '/ready');
          return r.status === 503 && r.body.reasons.includes('cluster cluster2 is syncing') && !r.body.reasons.some((x) => x.startsWith('primary'));
        },
        '503 waiting for cluster2 only',
        { timeoutMs: 20_000 },
      );
      const during = await getJson<{ ready: boolean; reasons: string[] }>(url, '/ready');
      assert.equal(during.status, 503);
      assert.deepEqual(during.body, { ready: false, reasons: ['cluster cluster2 is syncing'] });
      const clusters = await getJson<{ id: string; syncStatus: string }[]>(url, '/debug/clusterz');
      assert.deepEqual(clusters.body.map((c) => [c.id, c.syncStatus]), [['cluster1', 'synced'], ['cluster2', 'syncing']]);

      await mesh.c2.restart();
      await waitFor(async () => (await getJson(url, '/ready')).status === 200, '/ready 200 once cluster2 synced', { timeoutMs: 30_000 });
      assert.deepEqual((await getJson(url, '/ready')).body, { ready: true, reasons: [] });
    } finally {
      await mesh.close();
    }
  });
});
