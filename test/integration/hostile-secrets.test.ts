// Hostile remote-cluster Secrets against Horizon on the emulated demo clusters (issue 12, defect 1):
// a kubeconfig alias bomb used to make the yaml library throw on the watch-event path and end
// `horizon serve`, and on the list path to leave the key `refused` with no reason after a relist. Each
// case here must leave Horizon serving, the Secrets watch running, and the reason shown.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HELLO_HOST, secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { settle, waitFor } from '../support/wait.js';

const endpointsOf = (mesh: DemoMesh, cluster: string) => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === cluster);
const statusOf = (mesh: DemoMesh, name: string, key: string) =>
  mesh.horizon.remoteSecrets.statuses().find((s) => s.secret.name === name && s.secret.key === key);
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secretsWatch = (mesh: DemoMesh) => mesh.horizon.clusterStatuses()[0]!.watches.find((w) => w.owner === 'remote-secrets');

/** "Billion laughs" as a kubeconfig: anchors first, then a user whose token is the last alias. */
function aliasBomb(server: string, width = 9): string {
  let s = `a0: &a0 [${Array(width).fill('lol').join(', ')}]\n`;
  for (let i = 1; i < 9; i++) s += `a${i}: &a${i} [${Array(width).fill(`*a${i - 1}`).join(', ')}]\n`;
  return `${s}apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: *a8\n`;
}

describe('hostile remote Secrets: Horizon keeps serving and says why', function () {
  this.timeout(120_000);
  let mesh: DemoMesh | undefined;
  afterEach(async () => {
    await mesh?.close();
    mesh = undefined;
  });

  it('an alias bomb on the watch-event path is refused with its reason, again on every update; the watch carries on', async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
    const m = mesh;
    m.c1.create(secretObject('bomb', { bomb: aliasBomb(m.c2.url) }));
    await waitFor(() => statusOf(m, 'bomb', 'bomb')?.error, 'the bomb refused', { timeoutMs: 15_000 });
    const first = statusOf(m, 'bomb', 'bomb')!;
    assert.equal(first.state, 'refused');
    assert.match(first.error!, /^secret istio-system\/bomb key bomb: kubeconfig (has more than \d+ YAML aliases|expands its YAML aliases too much).*, refused; cluster not added$/);
    // Each later update of it is refused the same way, and the process is still here to say so.
    for (const width of [8, 10]) {
      m.c1.patch('v1', 'Secret', 'istio-system', 'bomb', { data: { bomb: b64(aliasBomb(m.c2.url, width)) } }, 'merge');
      m.c1.create(secretObject(`barrier-${width}`, { [`barrier${width}`]: '' }));
      await waitFor(() => statusOf(m, `barrier-${width}`, `barrier${width}`)?.state === 'refused', 'the update after it handled', { timeoutMs: 15_000 });
      assert.match(statusOf(m, 'bomb', 'bomb')!.error!, /YAML aliases/);
    }
    assert.equal(secretsWatch(m)?.handlerErrors, 0, 'nothing threw in the Secrets handler');
    m.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(m, 'cluster2').length === 1, 'a good Secret after the bombs is taken', { timeoutMs: 15_000 });
  });

  it('an alias bomb listed at start-up shows its reason, and still does after a relist', async () => {
    mesh = await startDemoMesh({
      prepare: (set) => {
        set.get('cluster1').create(secretObject('bomb', { bomb: aliasBomb(set.get('cluster2').url) }));
      },
    });
    const m = mesh;
    await waitFor(() => m.horizon.readiness().ready, 'ready although a Secret is a bomb', { timeoutMs: 20_000 });
    assert.match(statusOf(m, 'bomb', 'bomb')?.error ?? '(no reason)', /YAML aliases/);
    // A relist (history compacted, watches dropped: 410, list again) must show the same reason.
    m.c1.faults.compactHistory();
    m.c1.faults.dropWatches();
    m.c1.create(secretObject('barrier', { barrier: '' }));
    await waitFor(() => statusOf(m, 'barrier', 'barrier')?.state === 'refused', 'the relist done', { timeoutMs: 15_000 });
    const after = statusOf(m, 'bomb', 'bomb');
    assert.equal(after?.state, 'refused');
    assert.match(after?.error ?? '(no reason)', /YAML aliases/);
  });

  it('a Secret with more keys than --max-secret-keys is refused as a whole; what it registered before stays', async () => {
    mesh = await startDemoMesh({ limits: { secretKeys: 5 } });
    await mesh.horizon.whenReady();
    const m = mesh;
    m.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(m, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    const source = m.horizon.registry.get('cluster2')!.source;
    const extra = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`junk${i}`, b64('x')]));
    m.c1.patch('v1', 'Secret', 'istio-system', 'c2', { data: extra }, 'merge');
    await waitFor(() => statusOf(m, 'c2', ''), 'the whole Secret refused', { timeoutMs: 15_000 });
    const refused = statusOf(m, 'c2', '')!;
    assert.equal(refused.state, 'refused');
    assert.equal(refused.clusterId, '');
    assert.equal(
      refused.error,
      'secret istio-system/c2: limit exceeded: at most 5 clusters (data keys) per remote Secret (got 7); raise it with --max-secret-keys; nothing from this version of the Secret is used',
    );
    assert.equal(m.horizon.registry.get('cluster2')?.source, source, 'cluster2 untouched');
    assert.equal(statusOf(m, 'c2', 'cluster2')?.state, 'active');
    assert.equal(statusOf(m, 'c2', 'junk0'), undefined, 'no key of the refused version looked at');
    // /debug/clusterz-shaped: the refusal is listed with the Secret's name.
    const patchBack = Object.fromEntries(Object.keys(extra).map((k) => [k, null]));
    m.c1.patch('v1', 'Secret', 'istio-system', 'c2', { data: patchBack }, 'merge');
    await waitFor(() => statusOf(m, 'c2', '') === undefined, 'the refusal gone once within the limit', { timeoutMs: 15_000 });
    assert.equal(m.horizon.registry.get('cluster2')?.source, source, 'still the same connection');
  });

  it('oversized, merge-key-hidden exec and token-file kubeconfigs are refused with their reasons', async () => {
    {
      mesh = await startDemoMesh();
      await mesh.horizon.whenReady();
      const m = mesh;
      // Before the fix, client-node (a second YAML parser) applied the merge key the check did not see,
      // and ran this command on Horizon's first request to the "cluster".
      const marker = path.join(os.tmpdir(), `horizon-exec-ran-${randomUUID()}`);
      const good = m.c2.kubeconfigYaml({ contextName: 'cluster2' });
      const withUser = (user: string) => good.replace(/users:\n {2}- name: [^\n]+\n {4}user:\n/, (all) => `${all}${user}`);
      assert.notEqual(withUser('      x: y\n'), good, 'the user section was found');
      m.c1.create(
        secretObject('odd', {
          big: good + `# ${'x'.repeat(300 * 1024)}\n`,
          merged: withUser(`      <<: {exec: {command: /bin/sh, args: ["-c", "touch ${marker}"], apiVersion: client.authentication.k8s.io/v1}}\n`),
          tokenfile: withUser('      token-file: /etc/hostname\n'),
        }),
      );
      await waitFor(() => ['big', 'merged', 'tokenfile'].every((k) => statusOf(m, 'odd', k)?.error), 'all three refused', { timeoutMs: 15_000 });
      assert.match(statusOf(m, 'odd', 'big')!.error!, /kubeconfig is too large: limit exceeded: at most 262144 bytes per remote kubeconfig \(got \d+\); raise it with --max-kubeconfig-bytes, refused; cluster not added/);
      assert.match(statusOf(m, 'odd', 'merged')!.error!, /uses an exec plugin/);
      assert.match(statusOf(m, 'odd', 'tokenfile')!.error!, /reads a token file from the local disk \(token-file/);
      for (const k of ['big', 'merged', 'tokenfile']) assert.equal(m.horizon.registry.has(k), false, k);
      await settle(500);
      assert.equal(existsSync(marker), false, 'the exec plugin never ran');
      // "refused" once per reason (the doubled "refused, refused" is gone).
      for (const s of m.horizon.remoteSecrets.statuses()) assert.ok(!/refused.*refused/.test(s.error ?? ''), s.error);
    }
  });
});
