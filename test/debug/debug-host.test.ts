// DNS rebinding: a web page of another site that points its own name at 127.0.0.1 must not be able to
// read a debug API that has no token. Over real HTTP with hand-written Host headers, on a debug server
// reading a fake DebugSource: without a token only loopback names and addresses (and the listen
// address) are answered, the rest get 421 JSON saying why; with a token the token decides.
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { connect } from 'node:net';
import { hostAllowed, HorizonMetrics, startDebugServer, type DebugServer } from '../../src/debug/index.js';
import { fakeSource } from './fake-source.js';

/** GET with an explicit Host header (node:http sends what it is given). */
function getWithHost(port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, host }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, contentType: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An HTTP/1.0 request with no Host header at all (no browser sends one). */
function getWithoutHost(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let text = '';
    s.on('data', (d) => (text += d.toString()));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

describe('debug API: Host header (DNS rebinding)', function () {
  this.timeout(20_000);

  it('hostAllowed: loopback names and addresses with any port, the listen address; nothing else', () => {
    for (const h of ['127.0.0.1:15014', '127.0.0.1', '127.12.0.1:80', 'localhost:15014', 'LOCALHOST', 'app.localhost:1', '[::1]:15014', '[::1]', '[::ffff:127.0.0.1]:9']) {
      assert.equal(hostAllowed(h, '127.0.0.1'), true, h);
    }
    for (const h of ['evil.example:15014', 'evil.example', '127.0.0.1.evil.example', 'localhost.evil.example:1', '10.0.0.1:15014', '[::2]:1', '', ' 127.0.0.1', '127.0.0.1:15014 x', 'a@127.0.0.1']) {
      assert.equal(hostAllowed(h, '127.0.0.1'), false, JSON.stringify(h));
    }
    assert.equal(hostAllowed(undefined, '127.0.0.1'), true, 'no Host at all: not a browser');
  });

  describe('without a token (loopback)', () => {
    let server: DebugServer;
    before(async () => {
      server = await startDebugServer({ address: '127.0.0.1:0', source: fakeSource(), metrics: new HorizonMetrics() });
    });
    after(async () => {
      await server?.close();
    });

    it('answers requests addressed by loopback name or address, on any port', async () => {
      for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, '127.0.0.1:8080', 'localhost']) {
        const r = await getWithHost(server.port, '/debug/clusterz', host);
        assert.equal(r.status, 200, host);
      }
      assert.match(await getWithoutHost(server.port, '/healthz'), /^HTTP\/1\.1 200/);
    });

    it('refuses any other name with 421 JSON that says why and where to go instead, on every path', async () => {
      for (const path of ['/debug/clusterz', '/debug/events', '/ui', '/ui/session', '/healthz', '/ready', '/metrics', '/no-such-path']) {
        const r = await getWithHost(server.port, path, `rebind.evil.example:${server.port}`);
        assert.equal(r.status, 421, path);
        assert.match(r.contentType, /^application\/json/);
        const { error } = JSON.parse(r.text) as { error: string };
        assert.match(error, /request addressed to host "rebind\.evil\.example:\d+" refused: without a debug token/);
        assert.match(error, /DNS rebinding/);
        assert.ok(error.includes(`open http://127.0.0.1:${server.port} instead, or set a debug token`), error);
      }
      // A long or odd Host is echoed as a short escaped prefix only.
      const r = await getWithHost(server.port, '/debug', `${'x'.repeat(3000)}"<b>`);
      assert.equal(r.status, 421);
      assert.ok(r.text.length < 700, `${r.text.length} bytes`);
    });
  });

  describe('with a token', () => {
    let server: DebugServer;
    before(async () => {
      server = await startDebugServer({ address: '127.0.0.1:0', token: 'host-test-token', source: fakeSource(), metrics: new HorizonMetrics() });
    });
    after(async () => {
      await server?.close();
    });

    it('any Host is answered, and the token alone decides', async () => {
      const host = `horizon.example:${server.port}`;
      assert.equal((await getWithHost(server.port, '/debug/clusterz', host)).status, 401);
      assert.equal((await getWithHost(server.port, '/debug/clusterz', host, { authorization: 'Bearer host-test-token' })).status, 200);
    });
  });
});
