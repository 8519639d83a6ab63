// Who may use the web view, over real HTTP against a Horizon on the demo clusters: the page and its
// scripts carry no data and load for anyone who reaches the listener; every fact (the JSON and the
// event stream) needs the token, or the session cookie that only the token can get; and in a real
// browser a token-protected page asks for the token once and then runs live. Without a token, the page
// runs for its loopback address and a DNS-rebinding site's name gets nothing.
import { strict as assert } from 'node:assert';
import { request } from 'node:http';
import { HorizonMetrics, startDebugServer } from '../../src/debug/index.js';
import { getJson } from '../support/debug-http.js';
import { fakeSource } from '../debug/fake-source.js';
import { startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { launchBrowser, skipWithoutBrowser, type TestBrowser } from './browser.js';

const TOKEN = 'web-view-token-7d1e';

/** GET with headers; the body read whole unless it is an event stream (then just the status and headers). */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, method, agent: false }, (res) => {
      if (String(res.headers['content-type']).startsWith('text/event-stream') && method === 'GET') {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: '' });
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}

const cookieOf = (setCookie: string | string[] | undefined) => String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

describe('web view access', function () {
  this.timeout(120_000);

  describe('with a debug token', () => {
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

    it('serves the page and its scripts without the token: they hold no data, and may load only their own scripts', async () => {
      const page = await get(`${url}/ui`);
      assert.equal(page.status, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.doesNotMatch(page.text, /cluster1|network1|127\.\d+\.\d+\.\d+/, 'no data in the page');
      const js = /src="(ui\/app\.js\?v=[0-9a-f]+)"/.exec(page.text)![1]!;
      const script = await get(`${url}/${js}`);
      assert.equal(script.status, 200);
      assert.match(String(script.headers['content-type']), /^text\/javascript/);
      assert.match(String(script.headers['cache-control']), /max-age=/, 'the hashed URL may be cached');
      assert.equal((await get(`${url}/ui/app.js`)).headers['cache-control'], 'no-cache', 'a bare URL is always revalidated');
      const worker = /content="(ui\/elk-worker\.js\?v=[0-9a-f]+)"/.exec(page.text)![1]!;
      assert.equal((await get(`${url}/${worker}`)).status, 200);
      const slash = await get(`${url}/ui/`);
      assert.equal(slash.status, 302);
      assert.equal(slash.headers.location, '../ui');
    });

    it('the event stream and the JSON need the token (or a session); a session needs the token itself', async () => {
      assert.equal((await get(`${url}/debug/events`)).status, 401);
      assert.equal((await get(`${url}/debug/events`, { authorization: `Bearer ${TOKEN}` })).status, 200);
      assert.equal((await get(`${url}/debug/events`, { authorization: `Bearer ${TOKEN}` }, 'HEAD')).status, 200);

      const none = await get(`${url}/ui/session`);
      assert.equal(none.status, 401);
      assert.equal(none.headers['set-cookie'], undefined);
      const wrong = await get(`${url}/ui/session`, { authorization: 'Bearer nope' });
      assert.equal(wrong.status, 401);
      assert.match(JSON.parse(wrong.text).error, /wrong or missing token/);

      const granted = await get(`${url}/ui/session`, { authorization: `Bearer ${TOKEN}` });
      assert.equal(granted.status, 200);
      assert.deepEqual(JSON.parse(granted.text), { session: 'created', maxAgeSeconds: 28_800, idleSeconds: 3600 });
      const setCookie = String(granted.headers['set-cookie']);
      assert.match(setCookie, /^horizon_debug_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
      assert.ok(!setCookie.includes(TOKEN), 'the cookie is not the token');
      const cookie = cookieOf(granted.headers['set-cookie']);

      assert.equal((await get(`${url}/debug/clusterz`, { cookie })).status, 200);
      assert.equal((await get(`${url}/debug/events`, { cookie })).status, 200);
      assert.equal((await get(`${url}/debug/clusterz`, { cookie, 'sec-fetch-site': 'same-origin' })).status, 200);
      // Another site's page cannot use it, a made-up one is nothing, and a session cannot mint sessions.
      assert.equal((await get(`${url}/debug/clusterz`, { cookie, 'sec-fetch-site': 'cross-site' })).status, 401);
      assert.equal((await get(`${url}/debug/clusterz`, { cookie: 'horizon_debug_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })).status, 401);
      assert.equal((await get(`${url}/debug/clusterz`, { cookie: 'horizon_debug_session=<script>' })).status, 401);
      assert.equal((await get(`${url}/ui/session`, { cookie })).status, 401);
    });

    it('lists /ui and /debug/events at /debug', async () => {
      const index = await getJson<{ path: string; help: string }[]>(url, '/debug', { token: TOKEN });
      const paths = index.body.map((e) => e.path);
      for (const p of ['/ui', '/ui/session', '/debug/events']) assert.ok(paths.includes(p), p);
    });

    describe('in a browser', () => {
      let browser: TestBrowser;
      before(async function () {
        skipWithoutBrowser(this);
        browser = await launchBrowser();
      });
      after(async () => {
        await browser?.close();
      });

      it('asks for the token once, keeps no copy of it, then shows the mesh live', async () => {
        const context = await browser.context({ width: 900, height: 700 });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${url}/ui`);
        const form = page.locator('form.signin');
        await form.waitFor({ timeout: 20_000 });
        assert.match(await form.textContent() ?? '', /asks for its debug token/);
        await page.fill('#token', 'not-the-token');
        await page.click('form.signin button[type=submit]');
        await page.locator('form.signin .error', { hasText: /wrong or missing token/ }).waitFor({ timeout: 10_000 });
        await page.fill('#token', TOKEN);
        await page.click('form.signin button[type=submit]');
        await page.locator('.pill[data-state="live"]').waitFor({ timeout: 20_000 });
        await page.locator('.clusters-panel tr[data-cluster="cluster1"]').waitFor({ timeout: 20_000 });
        await form.waitFor({ state: 'detached' });
        // The token is nowhere the page's scripts could read it; the session cookie is HttpOnly.
        const kept = await page.evaluate<Record<string, string>>(
          '({ cookie: document.cookie, local: JSON.stringify(localStorage), session: JSON.stringify(sessionStorage), html: document.documentElement.outerHTML })',
        );
        for (const [where, value] of Object.entries(kept)) assert.ok(!value.includes(TOKEN), `token in ${where}`);
        assert.equal(kept.cookie, '');
        const cookies = await context.cookies();
        assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['horizon_debug_session', true, 'Strict']]);
        assert.deepEqual(errors, []);
        await context.close();
      });
    });
  });

  it('without a token (loopback) the page needs no session', async () => {
    const mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0' });
    try {
      const url = mesh.horizon.debug!.url;
      const r = await get(`${url}/ui/session`);
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.text), { session: 'not-needed' });
      assert.equal(r.headers['set-cookie'], undefined);
      assert.equal((await get(`${url}/debug/events`)).status, 200);
    } finally {
      await mesh.close();
    }
  });

  describe('without a token, in a browser', () => {
    let browser: TestBrowser;
    before(async function () {
      skipWithoutBrowser(this);
      // rebind.test stands for a site whose DNS answers 127.0.0.1 once its page is loaded.
      browser = await launchBrowser({ hostResolverRules: 'MAP rebind.test 127.0.0.1' });
    });
    after(async () => {
      await browser?.close();
    });

    it('the page runs live at its loopback address; under another site\'s name it gets 421, not the page nor the JSON', async () => {
      const server = await startDebugServer({ address: '127.0.0.1:0', source: fakeSource(), metrics: new HorizonMetrics() });
      const context = await browser.context({ width: 900, height: 700 });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}/ui`);
        await page.locator('.pill[data-state="live"]').waitFor({ timeout: 20_000 });
        assert.deepEqual(errors, []);

        const rebound = `http://rebind.test:${server.port}`;
        const refused = await page.goto(`${rebound}/ui`);
        assert.equal(refused?.status(), 421);
        assert.match(await page.locator('body').textContent() ?? '', /refused: without a debug token .*DNS rebinding/);
        // The rebinding site's own script reads nothing either.
        const read = await page.evaluate<{ status: number; text: string }>(
          `fetch('/debug/clusterz').then(async (r) => ({ status: r.status, text: await r.text() }))`,
        );
        assert.equal(read.status, 421);
        assert.doesNotMatch(read.text, /^\[/);
      } finally {
        await context.close();
        await server.close();
      }
    });
  });
});
