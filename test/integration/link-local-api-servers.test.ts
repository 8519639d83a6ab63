// A remote Secret may not point Horizon at link-local or cloud metadata addresses (169.254.169.254,
// fd00:ec2::254, metadata.google.internal, in any spelling): refused by default, with the reason in
// /debug/clusterz. No test may send a packet to those addresses, so this one denies a loopback address
// through the test-only deny list (it can only refuse more) and proves, with a listener there, that
// nothing ever connected: once for an IP literal (refused when the Secret is read) and once for a host
// name resolving to a denied address (refused at connect time by the REST client's lookup).
import { strict as assert } from 'node:assert';
import net from 'node:net';
import type { ClusterzEntry } from '../../src/debug/views/clusterz.js';
import { getJson } from '../support/debug-http.js';
import { secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { settle, waitFor } from '../support/wait.js';

/** A TCP listener that counts connections: the witness that nothing was contacted. */
async function witness(host: string, port = 0): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = net.createServer((s) => {
    count++;
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const kubeconfig = (server: string) =>
  `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "${server}", insecure-skip-tls-verify: true}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user: {token: abc}\n`;

describe('remote API servers on denied addresses (link-local / metadata; a loopback stand-in)', function () {
  this.timeout(60_000);
  let mesh: DemoMesh | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await mesh?.close();
    mesh = undefined;
    for (const c of closers.splice(0)) await c();
  });
  const statusOf = (name: string, key: string) => mesh!.horizon.remoteSecrets.statuses().find((s) => s.secret.name === name && s.secret.key === key);

  it('an IP literal on the deny list is refused when the Secret is read, shown in /debug/clusterz, never contacted', async () => {
    const w = await witness('127.0.0.3');
    closers.push(w.close);
    mesh = await startDemoMesh({ deniedApiServerAddressesForTests: ['127.0.0.3'], debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
    mesh.c1.create(secretObject('meta', { meta: kubeconfig(`http://127.0.0.3:${w.port}`), mapped: kubeconfig(`http://[::ffff:127.0.0.3]:${w.port}`) }));
    await waitFor(() => statusOf('meta', 'meta')?.error && statusOf('meta', 'mapped')?.error, 'both keys refused', { timeoutMs: 15_000 });
    assert.equal(statusOf('meta', 'meta')!.error, 'secret istio-system/meta key meta: kubeconfig cluster "c" server: 127.0.0.3 is on the deny list given for tests, refused; cluster not added');
    assert.match(statusOf('meta', 'mapped')!.error!, /server: ::ffff:7f00:3 is on the deny list given for tests, refused/);
    const clusterz = await getJson<ClusterzEntry[]>(mesh.horizon.debug!.url, '/debug/clusterz');
    const entry = clusterz.body.find((c) => c.secretName === 'meta' && c.secretKey === 'meta');
    assert.equal(entry?.syncStatus, 'refused');
    assert.match(entry?.lastError ?? '', /127\.0\.0\.3 is on the deny list/);
    await settle(1000);
    assert.equal(w.connections(), 0, 'nothing connected to the denied address');
  });

  it('a host name resolving to a denied address is refused at connect time, retried, shown, never contacted', async () => {
    // localhost resolves to 127.0.0.1 (and ::1): both denied for remote clusters only; the primary
    // (the operator's own kubeconfig, also on 127.0.0.1) is not subject to the policy.
    const v4 = await witness('127.0.0.1');
    closers.push(v4.close);
    const v6 = await witness('::1', v4.port).catch(() => undefined);
    if (v6) closers.push(v6.close);
    mesh = await startDemoMesh({ deniedApiServerAddressesForTests: ['127.0.0.1', '::1'], remoteClusterTimeoutMs: 1500, debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
    mesh.c1.create(secretObject('named', { named: kubeconfig(`http://localhost:${v4.port}`) }));
    await waitFor(() => mesh!.horizon.registry.get('named')?.source.lastError, 'the connection to fail', { timeoutMs: 15_000 });
    const source = mesh.horizon.registry.get('named')!.source;
    assert.match(source.lastError!, /API server name localhost resolves to (127\.0\.0\.1|::1) is on the deny list given for tests; not connecting/);
    await waitFor(() => source.status === 'timeout', 'the cluster timed out', { timeoutMs: 10_000 });
    assert.match(statusOf('named', 'named')?.error ?? '', /secret istio-system\/named key named: .*resolves to .* deny list.*; retrying/);
    const clusterz = await getJson<ClusterzEntry[]>(mesh.horizon.debug!.url, '/debug/clusterz');
    const entry = clusterz.body.find((c) => c.id === 'named');
    assert.ok(entry?.watches?.some((w) => w.state === 'failing' && /deny list/.test(w.lastError ?? '')), JSON.stringify(entry?.watches));
    assert.equal(mesh.horizon.readiness().ready, true, 'the primary and readiness are untouched');
    await settle(1000);
    assert.equal(v4.connections() + (v6?.connections() ?? 0), 0, 'nothing connected to the denied addresses');
  });
});
