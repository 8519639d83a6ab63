// `horizon demo` (npm start) as a newcomer runs it: one process, then its output tells the story.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { spawnHorizon } from '../support/horizon-process.js';

describe('horizon demo', function () {
  this.timeout(120_000);

  it('prints the ready line, what each network receives, and the experiment; exits cleanly on SIGINT', async () => {
    const env = { ...process.env };
    delete env.NODE_ENV; // the demo's own default log level, not the tests' silence
    const demo = spawnHorizon(['demo', '--xds-port', '0', '--debug-port', '0'], { env });
    try {
      await demo.waitFor(/Serving until interrupted/, 'the demo to finish its story', 90_000);
      assert.equal(demo.child.exitCode, null, `demo exited early: ${demo.stderr()}`);
      const out = demo.stdout();
      const err = demo.stderr();
      assert.match(out, /^horizon ready: xds=127\.0\.0\.1:\d+ debug=http:\/\/127\.0\.0\.1:\d+$/m);
      // It names the web view, and the page is served (built on this first request).
      const ui = /^web view: (http:\/\/127\.0\.0\.1:\d+\/ui) /m.exec(out)?.[1];
      assert.ok(ui, `the web view URL is printed: ${out}`);
      const page = await fetch(ui);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="ui\/app\.js\?v=[0-9a-f]+"><\/script>/);
      assert.match(out, /as a caller on network1 receives it\n.*\n127\.10\.\d+\.\d+:5000 .* direct .*\n127\.22\.\d+\.\d+:15443 .* gateway of network2/);
      const n1 = /client on network1 called [^\n]*\n((?: .*\n)+)/.exec(out)?.[1] ?? '';
      assert.match(n1, /x Hello version: v1/);
      assert.match(n1, /x Hello version: v2/);
      const v2 = Number(/(\d+) x Hello version: v2/.exec(n1)?.[1]);
      assert.match(n1, new RegExp(`\\b${v2} of them went through the east-west gateway of network2`));
      assert.equal(err.trim(), '', 'the demo logs nothing but warnings, and there were none');
    } finally {
      const code = await demo.stop(10_000, 'SIGINT');
      assert.equal(code, 0, `exit code ${code}: ${demo.stderr()}`);
    }
  });

  it('a port in use is a clear error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const demo = spawnHorizon(['demo', '--xds-port', String(port), '--debug-port', '0']);
      assert.equal(await demo.exited, 1);
      assert.match(demo.stderr(), new RegExp(`xDS address 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});
