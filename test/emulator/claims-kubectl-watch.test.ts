// README: "the real kubectl works against them (... `get -w` ...)": `kubectl get pods -w` on an
// emulated cluster lists the pods, then prints a pod created while it watches.
import { strict as assert } from 'node:assert';
import { startEmulatedClusters, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { demoClusters } from '../support/demo-mesh.js';
import { KubectlEnv, skipWithoutKubectl, waitFor } from './helpers.js';

describe('claims: kubectl get -w against an emulated cluster', function () {
  this.timeout(120_000);
  let set: EmulatedClusterSet | undefined;
  let k: KubectlEnv | undefined;

  before(async function () {
    skipWithoutKubectl(this);
    set = await startEmulatedClusters(demoClusters);
    k = await KubectlEnv.create(set.kubeconfigYaml());
  });
  after(async () => {
    await set?.stop();
    await k?.cleanup();
  });

  it('prints a pod created while it watches', async () => {
    // KubectlEnv.run waits for kubectl to exit; a watch is read as it streams, with the same isolated env.
    const child = k!.spawn(['--context', 'cluster1', '-n', 'sample', 'get', 'pods', '-w', '--request-timeout=90s']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // The initial list is printed first: the watch is open once the existing pods are there.
      await waitFor(() => /^helloworld-v1-\S+\s+1\/1\s+Running/m.test(out), `the initial list (output: ${out})`, 60_000);
      assert.doesNotMatch(out, /watched-pod/);
      set!.get('cluster1').create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'watched-pod', namespace: 'sample' },
        spec: { containers: [{ name: 'c', image: 'example/c' }] },
      });
      await waitFor(() => /^watched-pod\s/m.test(out), `watched-pod in the watch output (output: ${out})`, 30_000);
      assert.equal(child.exitCode, null, `kubectl still watching (output: ${out})`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
