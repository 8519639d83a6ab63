// `horizon demo` (npm start) as a newcomer runs it: one process, then its output tells the story.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '../support/wait.js';

const bin = fileURLToPath(new URL('../../bin/horizon.mjs', import.meta.url));

describe('horizon demo', function () {
  this.timeout(120_000);

  it('prints the ready line, what each network receives, and the experiment; exits cleanly on SIGINT', async () => {
    const env = { ...process.env };
    delete env.NODE_ENV; // the demo's own default log level, not the tests' silence
    const child = spawn(process.execPath, [bin, 'demo', '--xds-port', '0', '--debug-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    try {
      await waitUntil(() => out.includes('Serving until interrupted') || child.exitCode !== null, 90_000, 'the demo to finish its story');
      assert.equal(child.exitCode, null, `demo exited early: ${err}`);
      assert.match(out, /^horizon ready: xds=127\.0\.0\.1:\d+ debug=http:\/\/127\.0\.0\.1:\d+$/m);
      assert.match(out, /as a caller on network1 receives it\n.*\n127\.10\.\d+\.\d+:5000 .* direct .*\n127\.22\.\d+\.\d+:15443 .* gateway of network2/);
      const n1 = /client on network1 called [^\n]*\n((?: .*\n)+)/.exec(out)?.[1] ?? '';
      assert.match(n1, /x Hello version: v1/);
      assert.match(n1, /x Hello version: v2/);
      const v2 = Number(/(\d+) x Hello version: v2/.exec(n1)?.[1]);
      assert.match(n1, new RegExp(`\\b${v2} of them went through the east-west gateway of network2`));
      assert.equal(err.trim(), '', 'the demo logs nothing but warnings, and there were none');
    } finally {
      child.kill('SIGINT');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, `exit code ${code}: ${err}`);
    }
  });

  it('a port in use is a clear error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, [bin, 'demo', '--xds-port', String(port), '--debug-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 1);
      assert.match(err, new RegExp(`xDS address 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      blocker.close();
    }
  });
});
