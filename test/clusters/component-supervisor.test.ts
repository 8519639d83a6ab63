// The supervisor on real processes: what exits is started again (as a kubelet restarts a static
// pod), a held component stays down until released, and stop() leaves nothing running.
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ComponentSupervisor } from '../../src/clusters/component-supervisor.js';
import { waitFor } from '../support/wait.js';

const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('control-plane component supervisor', function () {
  this.timeout(20_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-supervisor-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('restarts a killed component, keeps a held one down until released, and stops everything', async () => {
    const spec = (name: string) => ({ name, binary: 'bash', args: ['-c', `echo started ${name}; exec sleep 60`], workDir: dir, logFile: path.join(dir, `${name}.log`) });
    const sup = new ComponentSupervisor([spec('a'), { ...spec('b'), startHeld: true }]);
    sup.start();
    const st = (name: string) => sup.status().find((s) => s.name === name)!;
    const log = () => readFile(path.join(dir, 'a.log'), 'utf8').catch(() => '');
    await waitFor(async () => st('a').pid !== undefined && /started a\n/.test(await log()), 'a started', { timeoutMs: 5_000 });
    assert.equal(st('b').pid, undefined, 'b is held');
    const first = st('a').pid;
    await sup.kill('a');
    await waitFor(() => st('a').pid !== undefined && st('a').pid !== first, 'a restarted', { timeoutMs: 5_000 });
    assert.equal(st('a').restarts, 1);
    assert.equal(st('a').lastExit, 'signal SIGKILL');
    assert.ok(!alive(first), 'the killed process is gone');
    await waitFor(async () => /started a\nstarted a\n/.test(await log()), 'both runs of a in its log', { timeoutMs: 5_000 });

    await sup.pause('a');
    await sup.resume('a');
    sup.release('b');
    await waitFor(() => st('b').pid !== undefined, 'b started on release', { timeoutMs: 5_000 });
    await sup.hold('b');
    assert.equal(st('b').pid, undefined, 'b stopped by hold');

    const pids = sup.status().map((s) => s.pid);
    await sup.pause('a'); // a stopped process must still end on stop()
    await sup.stop();
    assert.ok(pids.every((p) => !alive(p)), 'nothing left running');
    await new Promise((r) => setTimeout(r, 600));
    assert.ok(sup.status().every((s) => s.pid === undefined), 'and nothing restarted after stop');
  });
});
