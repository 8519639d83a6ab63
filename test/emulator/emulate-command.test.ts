// `horizon emulate` as a separate process: prints each cluster and the ready line, writes a
// kubeconfig that the real kubectl uses, and exits cleanly on SIGTERM.
import { strict as assert } from 'node:assert';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulation } from '../../src/cli/commands/emulate.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';
import { KubectlEnv, skipWithoutKubectl } from './helpers.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('horizon emulate (separate process)', function () {
  this.timeout(180_000);
  let emulate: HorizonProcess | undefined;
  let dir: string;
  let yaml = '';

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-emulate-test-'));
  });
  after(async () => {
    await emulate?.stop(0);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints each cluster and the ready line, and writes a kubeconfig with every cluster', async () => {
    const kubeconfig = path.join(dir, 'kubeconfig');
    emulate = spawnHorizon(['emulate', '--clusters', 'clusters/demo', '--kubeconfig-out', kubeconfig]);
    await emulate.waitFor(/emulate ready:/, 'the ready line', 60_000);
    const out = emulate.output();
    assert.match(out, /cluster cluster1 network=network1 url=https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /cluster cluster2 network=network2 url=https:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, new RegExp(`emulate ready: kubeconfig=${kubeconfig.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    yaml = await readFile(kubeconfig, 'utf8');
    assert.match(yaml, /name: cluster1/);
    assert.match(yaml, /name: cluster2/);
  });

  it('serves the demo clusters to kubectl through that kubeconfig', async function () {
    skipWithoutKubectl(this);
    assert.ok(emulate && yaml, 'horizon emulate is running (the test before started it)');
    const k = await KubectlEnv.create(yaml);
    try {
      const nodes = (await k.run(['--context', 'cluster2', 'get', 'nodes', '-o', 'name'])).stdout;
      assert.equal(nodes.trim(), 'node/cluster2-node-a\nnode/cluster2-node-b');
      const pods = (await k.run(['--context', 'cluster1', 'get', 'pods', '-n', 'sample', '-l', 'app=helloworld', '-o', 'jsonpath={.items[*].metadata.labels.version}'])).stdout;
      assert.equal(pods, 'v1');
      await k.run(['--context', 'cluster2', 'create', 'namespace', 'from-kubectl']);
      assert.match((await k.run(['--context', 'cluster2', 'get', 'ns', 'from-kubectl'])).stdout, /from-kubectl\s+Active/);
    } finally {
      await k.cleanup();
    }
  });

  it('exits cleanly on SIGTERM', async () => {
    assert.ok(emulate, 'horizon emulate is running (the first test started it)');
    assert.equal(await emulate.stop(), 0, emulate.output());
    assert.match(emulate.output(), /emulate stopped/);
  });

  it('removes the temporary kubeconfig folder it made on stop, never a --kubeconfig-out file', async () => {
    const exists = (p: string) => access(p).then(() => true, () => false);
    const lines: string[] = [];
    const temp = await startEmulation({ clusters: path.join(root, 'clusters/demo') }, (l) => lines.push(l));
    assert.ok(lines.includes(`emulate ready: kubeconfig=${temp.kubeconfigPath}`));
    assert.match(await readFile(temp.kubeconfigPath, 'utf8'), /token:/);
    await temp.stop();
    assert.equal(await exists(path.dirname(temp.kubeconfigPath)), false, 'the temporary folder (admin tokens) is gone');

    const chosen = path.join(dir, 'chosen-kubeconfig');
    const kept = await startEmulation({ clusters: path.join(root, 'clusters/demo'), kubeconfigOut: chosen }, () => undefined);
    await kept.stop();
    assert.equal(await exists(chosen), true, 'a --kubeconfig-out file stays');
  });
});
