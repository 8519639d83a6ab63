// The benchmark harness itself, at toy sizes: `npm run bench -- <scenario>` runs the scenario in its own
// process (emulated clusters and load generator in theirs), prints its table and writes its JSON result.
// Figures are not asserted (timed tests must not be); the shape and the bookkeeping are.
import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBinaryCache } from '../../src/util/binary-cache.js';
import { run } from '../support/exec.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));

async function bench(args: string[], resultsDir: string): Promise<{ code: number; out: string }> {
  const env = { ...process.env, BENCH_RESULTS_DIR: resultsDir, HORIZON_LOG_LEVEL: 'error' };
  const r = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: repo, env, timeoutMs: 170_000 });
  return { code: r.code, out: r.stdout + r.stderr };
}

describe('benchmark harness (toy sizes)', function () {
  this.timeout(180_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-bench-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('S2 and S4: fan-out beside the bare floor, and a subscribe storm; JSON results with machine facts', async () => {
    const r = await bench(['S2', 'S4', '--streams', '20', '--rounds', '3', '--warmup', '1', '--services', '40', '--names', '5', '--repeat', '1'], dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /S2 change at the API server -> last of N streams/);
    assert.match(r.out, /S4 20 streams x 5 EDS names subscribe at once/);
    const files = await readdir(dir);
    const s2 = JSON.parse(await readFile(path.join(dir, files.find((f) => f.startsWith('S2-'))!), 'utf8'));
    assert.equal(s2.machine.cores > 0, true);
    assert.match(s2.machine.node, /^v\d+/);
    assert.equal(s2.results[0].streams, 20);
    assert.equal(s2.results[0].horizon.rounds.length, 3);
    assert.equal(s2.results[0].bare.rounds.length, 3);
    assert.ok(s2.results[0].horizon.lastClient.p50 > 0);
    const s4 = JSON.parse(await readFile(path.join(dir, files.find((f) => f.startsWith('S4-'))!), 'utf8'));
    assert.equal(s4.storms.length, 1);
    assert.ok(s4.storms[0].allMs > 0);
  });

  it('S2 --peer istiod: the same rounds against both istiod configurations, with what each sends for the changed service', async function () {
    const found = await findBinaryCache('peer-binaries.sh');
    if ('missing' in found) {
      console.log(`    skipped: no istiod binary (${found.missing})`);
      this.skip();
    }
    const r = await bench(['S2', '--peer', 'istiod', '--streams', '10', '--rounds', '2', '--warmup', '1', '--services', '20', '--names', '3'], dir);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /S2 beside istiod 1\.31\.0/);
    const s2 = JSON.parse(await readFile(path.join(dir, (await readdir(dir)).filter((f) => f.startsWith('S2-')).sort().pop()!), 'utf8'));
    assert.equal(s2.nodeShape, 'sidecar');
    assert.deepEqual(s2.istiod.map((p: { variant: string }) => p.variant), ['defaults', 'tuned']);
    for (const p of s2.istiod as Array<{ sends: Record<string, { distinct: number; expected: number }>; results: Array<{ rounds: number[] }> }>) {
      // Both servers send every address the caller should get (or the comparison would mean nothing).
      for (const [network, got] of Object.entries(p.sends)) assert.equal(got.distinct, s2.horizonSends[network].distinct, network);
      assert.equal(p.results[0]!.rounds.length, 2);
    }
  });

  it('an unknown scenario is refused with the list of known ones', async () => {
    const r = await bench(['S9'], dir);
    assert.equal(r.code, 2);
    assert.match(r.out, /unknown scenario "S9" \(have: S1, S2, S3, S4, S5, S6, S7\)/);
  });
});
