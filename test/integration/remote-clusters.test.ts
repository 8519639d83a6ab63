// Remote clusters registered through Secrets, against the emulated demo clusters: the kubectl flow,
// deletion, rotation without a gap, an API server going away and coming back, a forced relist, and
// every kind of bad kubeconfig or conflicting cluster ID refused without disturbing anything else.
import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { captureLogs, rootLogger } from '../../src/log.js';
import { KubectlEnv, skipWithoutKubectl } from '../emulator/helpers.js';
import { HELLO_HOST, helloPods, secretObject, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const endpointsOf = (mesh: DemoMesh, cluster: string) => mesh.horizon.mesh.endpoints(HELLO_HOST).filter((e) => e.cluster === cluster);
const network2Gateways = (mesh: DemoMesh) => mesh.horizon.mesh.gateways().get('network2') ?? [];
const statusOf = (mesh: DemoMesh, name: string, key: string) =>
  mesh.horizon.remoteSecrets.statuses().find((s) => s.secret.name === name && s.secret.key === key);

describe('remote clusters through Secrets', function () {
  this.timeout(120_000);
  let mesh: DemoMesh;

  beforeEach(async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
  });
  afterEach(async () => {
    await mesh?.close();
  });

  it('kubectl create secret + label brings cluster2 in; kubectl delete drains it and nothing else', async function () {
    skipWithoutKubectl(this);
    const env = await KubectlEnv.create(mesh.set.kubeconfigYaml());
    try {
      const remote = await env.run(['config', 'view', '--minify', '--flatten', '--context', 'cluster2']);
      const file = await env.file('remote_kubecfg', remote.stdout);
      await env.run(['--context', 'cluster1', 'create', 'secret', 'generic', 'c2', `--from-file=cluster2=${file}`, '-n', 'istio-system']);
      await env.run(['--context', 'cluster1', 'label', 'secret', 'c2', 'istio/multiCluster=true', '-n', 'istio-system']);
      await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1 && network2Gateways(mesh).length === 1, 'cluster2 endpoints and gateway', { timeoutMs: 20_000 });
      await waitFor(() => mesh.horizon.registry.get('cluster2')?.source.status === 'synced', 'cluster2 synced', { timeoutMs: 10_000 });
      assert.deepEqual(mesh.horizon.registry.get('cluster2')?.origin.secret, { namespace: 'istio-system', name: 'c2', key: 'cluster2' });
      const cluster1Before = endpointsOf(mesh, 'cluster1');

      await env.run(['--context', 'cluster1', 'delete', 'secret', 'c2', '-n', 'istio-system']);
      await waitFor(() => !mesh.horizon.registry.has('cluster2'), 'cluster2 removed', { timeoutMs: 10_000 });
      assert.equal(endpointsOf(mesh, 'cluster2').length, 0, 'cluster2 endpoints drained');
      assert.equal(network2Gateways(mesh).length, 0, 'cluster2 gateway drained');
      assert.deepEqual(endpointsOf(mesh, 'cluster1'), cluster1Before, 'cluster1 untouched');
      assert.equal((mesh.horizon.mesh.gateways().get('network1') ?? []).length, 1, "cluster1's gateway untouched");
    } finally {
      await env.cleanup();
    }
  });

  it('removing the label, or the key, removes the cluster', async () => {
    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    mesh.c1.patch('v1', 'Secret', 'istio-system', 'c2', { metadata: { labels: { 'istio/multiCluster': null } } }, 'merge');
    await waitFor(() => !mesh.horizon.registry.has('cluster2'), 'cluster2 out after unlabel', { timeoutMs: 10_000 });

    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 back', { timeoutMs: 15_000 });
    const other = Buffer.from('kind: Config\nclusters: []').toString('base64');
    mesh.c1.patch('v1', 'Secret', 'istio-system', 'c2', { data: { cluster2: null, other } }, 'merge');
    await waitFor(() => !mesh.horizon.registry.has('cluster2'), 'cluster2 out after its key went', { timeoutMs: 10_000 });
  });

  it('a rotated kubeconfig never leaves a gap in cluster2 endpoints (checked continuously)', async () => {
    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    const firstSource = mesh.horizon.registry.get('cluster2')!.source;
    let gaps = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      samples++;
      if (endpointsOf(mesh, 'cluster2').length !== 1 || network2Gateways(mesh).length !== 1) gaps++;
    }, 1);
    try {
      // Same cluster, different credentials entry: a real rotation changes the token; the
      // kubeconfig text changes either way, which is what triggers make-before-break.
      mesh.c1.update({
        ...secretObject('c2', { cluster2: mesh.c2.kubeconfigYaml({ contextName: 'rotated', user: 'rotated-user' }) }),
        metadata: { ...secretObject('c2', {}).metadata, resourceVersion: (mesh.c1.get('v1', 'Secret', 'istio-system', 'c2') as { metadata: { resourceVersion: string } }).metadata.resourceVersion },
      });
      await waitFor(() => mesh.horizon.registry.get('cluster2')?.source !== firstSource, 'the new connection in place', { timeoutMs: 15_000 });
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      clearInterval(sampler);
    }
    assert.equal(gaps, 0, `cluster2 endpoints or gateway missing in ${gaps} of ${samples} samples`);
    assert.ok(samples > 50, `sampled ${samples} times`);
    assert.equal(firstSource.status, 'closed', 'the old connection is stopped');
    assert.equal(statusOf(mesh, 'c2', 'cluster2')?.state, 'active');
  });

  it('an unchanged Secret update does not reconnect', async () => {
    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    const source = mesh.horizon.registry.get('cluster2')!.source;
    const before = statusOf(mesh, 'c2', 'cluster2')!;
    assert.equal(before.state, 'active');
    mesh.c1.patch('v1', 'Secret', 'istio-system', 'c2', { metadata: { annotations: { touched: 'yes' } } }, 'merge');
    // Barrier: Secret events are handled in order, so once a later Secret is reported refused, the
    // update above has been handled.
    mesh.c1.create(secretObject('barrier', { barrier: '' }));
    await waitFor(() => statusOf(mesh, 'barrier', 'barrier')?.state === 'refused', 'the barrier Secret handled', { timeoutMs: 10_000 });
    assert.deepEqual(statusOf(mesh, 'c2', 'cluster2'), before, 'status (state, since) unchanged');
    assert.equal(mesh.horizon.registry.get('cluster2')?.source, source, 'same connection');
  });

  it("cluster2's API server down: stale, endpoints kept; back: recovers with none lost or stale", async () => {
    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    const source = mesh.horizon.registry.get('cluster2')!.source;
    await mesh.c2.stop();
    await waitFor(() => source.staleSince !== undefined, 'cluster2 marked stale', { timeoutMs: 10_000 });
    assert.equal(endpointsOf(mesh, 'cluster2').length, 1, 'endpoints kept while unreachable');
    assert.equal(network2Gateways(mesh).length, 1, 'gateway kept while unreachable');
    // While it is down, its state changes (a second v2 replica) and comes back on restart.
    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 2 } }, 'merge');
    await mesh.c2.restart();
    await waitFor(() => source.staleSince === undefined && endpointsOf(mesh, 'cluster2').length === 2, 'recovered with the new pod', { timeoutMs: 15_000 });
  });

  it('a forced 410 (history compacted, watches dropped) relists correctly', async () => {
    mesh.registerRemote({ secretName: 'c2' });
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'cluster2 in', { timeoutMs: 15_000 });
    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 3 } }, 'merge');
    mesh.c2.faults.compactHistory();
    mesh.c2.faults.dropWatches();
    mesh.c2.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v2', { spec: { replicas: 2 } }, 'merge');
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 2, 'two v2 endpoints after relist', { timeoutMs: 15_000 });
    assert.deepEqual(endpointsOf(mesh, 'cluster2').map((e) => e.address).sort(), helloPods(mesh.c2).map((p) => p.ip).sort());
  });
});

describe('remote cluster Secrets that are refused', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  // Every line Horizon logs while these tests run (captured from the project's logger).
  const logLines: string[] = [];
  let restoreLogs: (() => void) | undefined;
  const savedLevel = rootLogger.level;
  before(async () => {
    restoreLogs = captureLogs((line) => logLines.push(line));
    rootLogger.level = 'trace';
    mesh = await startDemoMesh({ remoteClusterTimeoutMs: 1500 });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
    restoreLogs?.();
    rootLogger.level = savedLevel;
  });

  // A credential in every refused kubeconfig that can carry one: it must reach no error and no log line.
  const MARKER = `marker-secret-${randomUUID()}`;
  const MARKER_B64 = Buffer.from(MARKER).toString('base64');
  const credentials = `    token: ${MARKER}\n    client-key-data: ${MARKER_B64}\n`;
  const good = () => mesh.c2.kubeconfigYaml({ contextName: 'cluster2' });
  const withUser = (extra: string) =>
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${mesh.c2.url}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\nusers:\n- name: u\n  user:\n${extra}`;
  const refusedUser = (extra: string) => withUser(credentials + extra);

  const cases: Array<{ key: string; text: () => string; reason: RegExp }> = [
    { key: 'empty', text: () => '', reason: /kubeconfig is empty/ },
    { key: 'unparsable', text: () => `users:\n- {name: u, user: {token: ${MARKER}}}\nclusters: [\n  - {name: x, token: ${MARKER}`, reason: /not valid YAML \(.+ at line \d+, column \d+\)/ },
    { key: 'invalid', text: () => `apiVersion: v1\nkind: Config\ncurrent-context: nowhere\nusers:\n- name: u\n  user:\n${credentials}`, reason: /context "nowhere" is not defined/ },
    { key: 'exec', text: () => refusedUser('    exec:\n      command: /bin/sh\n      apiVersion: client.authentication.k8s.io/v1\n'), reason: /exec plugin \(allowed with --allow-insecure-kubeconfig\), refused; cluster not added$/ },
    { key: 'authprovider', text: () => refusedUser('    auth-provider:\n      name: gcp\n'), reason: /auth provider "gcp" \(only oidc is allowed; others are allowed with --allow-insecure-kubeconfig\), refused; cluster not added$/ },
    { key: 'tokenfile', text: () => refusedUser('    tokenFile: /etc/passwd\n'), reason: /token file .*refused/ },
    { key: 'keyfile', text: () => refusedUser('    client-certificate: /tmp/c.crt\n    client-key: /tmp/c.key\n'), reason: /client certificate file .*refused/ },
  ];

  it('every bad kubeconfig is refused with its reason; the good key of the same Secret and cluster1 carry on', async () => {
    const data: Record<string, string> = { cluster2: good() };
    for (const c of cases) data[c.key] = c.text();
    mesh.c1.create(secretObject('mixed', data));
    await waitFor(() => endpointsOf(mesh, 'cluster2').length === 1, 'the good key registered', { timeoutMs: 15_000 });
    await waitFor(() => mesh.horizon.readiness().ready, 'ready with the good key synced', { timeoutMs: 10_000 });
    for (const c of cases) {
      const st = statusOf(mesh, 'mixed', c.key);
      assert.equal(st?.state, 'refused', `${c.key}: ${JSON.stringify(st)}`);
      assert.match(st!.error!, c.reason, c.key);
      assert.match(st!.error!, new RegExp(`secret istio-system/mixed key ${c.key}`));
      assert.equal(mesh.horizon.registry.has(c.key), false, `${c.key} not registered`);
    }
    // No secret content in any reason, nor in any log line.
    for (const c of cases.slice(1)) assert.ok(c.text().includes(MARKER) || c.text().includes(MARKER_B64), `${c.key} carries the marker`);
    for (const s of mesh.horizon.remoteSecrets.statuses()) {
      assert.ok(!s.error?.includes(MARKER) && !s.error?.includes(MARKER_B64), `secret content leaked into an error: ${s.error}`);
    }
    const refusals = logLines.filter((l) => l.includes('remote cluster secret refused'));
    assert.equal(refusals.length, cases.length, `every refusal logged (captured ${logLines.length} lines)`);
    for (const line of logLines) assert.ok(!line.includes(MARKER) && !line.includes(MARKER_B64), `secret content leaked into a log line: ${line}`);
    assert.equal(endpointsOf(mesh, 'cluster1').length, 1, 'cluster1 carries on');
    assert.equal(mesh.horizon.readiness().ready, true, `still ready: ${mesh.horizon.readiness().reasons.join('; ')}`);

    // A later good update of a refused key is picked up.
    mesh.c1.patch('v1', 'Secret', 'istio-system', 'mixed', { data: { exec: Buffer.from(mesh.c2.kubeconfigYaml({ contextName: 'x' })).toString('base64') } }, 'merge');
    await waitFor(() => statusOf(mesh, 'mixed', 'exec')?.state === 'active', 'the fixed key accepted', { timeoutMs: 15_000 });
    const exec = mesh.horizon.registry.get('exec');
    assert.ok(exec, 'the fixed key registered');
    assert.notEqual(exec.source.status, 'closed');
  });

  it('an unreachable server is recorded against its Secret and key; the rest keeps working', async () => {
    mesh.c1.create(secretObject('down', { down: withUser('    token: abc\n').replace(mesh.c2.url, 'https://127.0.0.1:1') }));
    await waitFor(() => mesh.horizon.registry.get('down')?.source.status === 'timeout', 'the unreachable cluster times out', { timeoutMs: 10_000 });
    const down = mesh.horizon.registry.get('down')!.source;
    assert.match(down.lastError ?? '', /127\.0\.0\.1:1/);
    assert.ok(down.staleSince !== undefined, 'marked stale');
    assert.match(statusOf(mesh, 'down', 'down')?.error ?? '', /secret istio-system\/down key down: .*127\.0\.0\.1:1.*retrying/);
    assert.equal(mesh.horizon.readiness().ready, true, 'a timed-out remote does not block readiness');
    assert.equal(endpointsOf(mesh, 'cluster1').length, 1);
    mesh.c1.delete('v1', 'Secret', 'istio-system', 'down');
    await waitFor(() => !mesh.horizon.registry.has('down'), 'removed with its Secret', { timeoutMs: 10_000 });
  });

  it("a cluster ID equal to the primary's, or already registered by another Secret, is refused; freed, it is taken", async () => {
    mesh.c1.create(secretObject('as-primary', { cluster1: good() }));
    mesh.c1.create(secretObject('dup', { cluster2: good() }));
    await waitFor(() => statusOf(mesh, 'as-primary', 'cluster1')?.state === 'refused' && statusOf(mesh, 'dup', 'cluster2')?.state === 'refused', 'both refused', { timeoutMs: 10_000 });
    assert.match(statusOf(mesh, 'as-primary', 'cluster1')!.error!, /is the primary cluster's/);
    assert.match(statusOf(mesh, 'dup', 'cluster2')!.error!, /already registered by secret istio-system\/mixed/);
    assert.equal(mesh.horizon.registry.get('cluster1')?.origin.kind, 'primary');
    mesh.c1.delete('v1', 'Secret', 'istio-system', 'mixed');
    await waitFor(() => statusOf(mesh, 'dup', 'cluster2')?.state === 'active', 'dup takes cluster2 once it is free', { timeoutMs: 15_000 });
    assert.deepEqual(mesh.horizon.registry.get('cluster2')?.origin.secret?.name, 'dup');
  });
});
