// README: logs go to stderr and `--log-level` changes how much is logged (bin/horizon.mjs reads it
// before any logger exists, wherever it stands on the command line). `horizon emulate` is the cheap
// command: its API servers log "serving" at debug level only. The demo logs warnings only unless
// `--log-level info` asks for more (its default, without the flag, is test/e2e/demo.test.ts's).
import { strict as assert } from 'node:assert';
import { spawnHorizon } from '../support/horizon-process.js';

interface Run {
  stdout: string;
  stderr: string;
}

/** `horizon <args>` with no NODE_ENV / HORIZON_LOG_LEVEL (a user's shell), until its ready line. */
async function runUntilReady(args: string[], ready = /emulate ready:/): Promise<Run> {
  const env = { ...process.env };
  delete env.NODE_ENV;
  delete env.HORIZON_LOG_LEVEL;
  const h = spawnHorizon(args, { env });
  let stdout = '';
  let stderr = '';
  h.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  h.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await h.waitFor(ready, 'the ready line', 90_000);
  } finally {
    await h.stop();
  }
  return { stdout, stderr };
}

/** The JSON log lines of a stream with the given pino level (20 = debug). */
function logLines(text: string, level: number): Array<{ msg?: string }> {
  const out: Array<{ msg?: string }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { level?: number; msg?: string };
    if (parsed.level === level) out.push(parsed);
  }
  return out;
}

describe('claims: --log-level', function () {
  this.timeout(120_000);

  it('without it, no debug lines (info is the default outside the demo)', async () => {
    const run = await runUntilReady(['emulate', '--clusters', 'clusters/demo']);
    assert.deepEqual(logLines(run.stderr, 20), [], run.stderr);
  });

  for (const args of [
    ['emulate', '--clusters', 'clusters/demo', '--log-level', 'debug'],
    ['--log-level=debug', 'emulate', '--clusters', 'clusters/demo'],
  ]) {
    it(`\`horizon ${args.join(' ')}\` logs debug lines, on stderr only`, async () => {
      const run = await runUntilReady(args);
      const debug = logLines(run.stderr, 20);
      assert.ok(debug.some((l) => l.msg === 'serving'), `debug lines on stderr: ${run.stderr}`);
      assert.deepEqual(logLines(run.stdout, 20), [], 'no log lines on stdout');
    });
  }

  it('`horizon demo --log-level info` logs info lines on stderr', async () => {
    const run = await runUntilReady(['demo', '--xds-port', '0', '--debug-port', '0', '--log-level', 'info'], /^horizon ready:/m);
    assert.ok(logLines(run.stderr, 30).some((l) => l.msg === 'horizon started'), `info lines on stderr: ${run.stderr}`);
  });
});
