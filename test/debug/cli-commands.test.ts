// The `endpoints`, `status` and `serve` commands as users run them: child processes of bin/horizon.mjs
// against a real Horizon's debug API on the emulated demo clusters.
import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import path from 'node:path';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { getJson } from '../support/debug-http.js';
import { HELLO_CLA, repoRoot, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { run } from '../support/exec.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';
import { waitFor } from '../support/wait.js';
import { clusterz, endpointsOf, gatewayIp, helloEdsz, helloPod } from './support.js';

const bin = path.join(repoRoot, 'bin/horizon.mjs');

/** The environment of a user's shell, without anything of this test process that changes the CLI's behaviour. */
function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', ...extra };
  if (!('HORIZON_DEBUG_TOKEN' in extra)) delete env.HORIZON_DEBUG_TOKEN;
  delete env.HORIZON_LOG_LEVEL;
  return env;
}

const runCli = (args: string[], env: Record<string, string> = {}) => run(process.execPath, [bin, ...args], { cwd: repoRoot, env: cliEnv(env) });

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Splits a table line into its cells (columns are separated by at least two spaces). */
const cells = (line: string) => line.trim().split(/\s{2,}/);

describe('CLI: endpoints, status, serve', function () {
  this.timeout(120_000);
  let mesh: DemoMesh;
  let url: string;
  let client: AdsClient | undefined;

  before(async () => {
    mesh = await startDemoMesh({ debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
    url = mesh.horizon.debug!.url;
    mesh.registerRemote();
    const gw2 = gatewayIp(mesh.c2);
    await waitFor(async () => (await clusterz(url)).some((c) => c.id === 'cluster2' && c.syncStatus === 'synced'), 'cluster2 synced', { timeoutMs: 20_000 });
    await waitFor(async () => endpointsOf(await helloEdsz(url, 'network1')).includes(`${gw2}:15443`), 'network2 gateway', { timeoutMs: 20_000 });
  });
  after(async () => {
    client?.close();
    await mesh?.close();
  });

  it('endpoints prints the table: v1 directly from cluster1, network2 through its gateway', async () => {
    const v1 = helloPod(mesh.c1);
    const gw2 = gatewayIp(mesh.c2);
    const r = await runCli(['endpoints', 'helloworld.sample:5000', '--network', 'network1', '--server', url]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, new RegExp(`^${HELLO_CLA.replace(/\|/g, '\\|')} as a caller on network1 receives it$`));
    assert.deepEqual(cells(lines[1]!), ['ENDPOINT', 'WEIGHT', 'LOCALITY WEIGHT', 'HEALTH', 'PRIORITY', 'LOCALITY', 'VIA', 'CLUSTER']);
    const direct = cells(lines.find((l) => l.startsWith(`${v1.ip}:5000 `))!);
    assert.deepEqual([direct[0], direct[3], direct[4], direct[6], direct[7]], [`${v1.ip}:5000`, 'HEALTHY', '0', 'direct', 'cluster1']);
    assert.match(direct[5]!, /^region1\/region1-zone-[ab]$/);
    const viaGw = cells(lines.find((l) => l.startsWith(`${gw2}:15443 `))!);
    assert.deepEqual([viaGw[3], viaGw[4], viaGw[6], viaGw[7]], ['HEALTHY', '0', 'gateway of network2', 'network2: 1 endpoint']);
    assert.match(r.stdout, /locality load balancing: off/);
    assert.match(r.stdout, /traffic: network1 direct 1 endpoint share 1\/2; network2 via gateway 1 endpoint share 1\/2/);
  });

  it('endpoints lists what is left out with the reason; -o json is the edsz answer; without a port, every port', async () => {
    const v2 = helloPod(mesh.c2);
    const r = await runCli(['endpoints', 'helloworld.sample', '--network', 'network1', '--requested-networks', 'network1', '--server', url]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('left out (1):'));
    assert.ok(at > 0, r.stdout);
    assert.deepEqual(cells(lines[at + 1]!), ['ENDPOINT', 'CLUSTER', 'NETWORK', 'POD', 'REASON', 'DETAIL']);
    const row = cells(lines[at + 2]!);
    assert.deepEqual(row.slice(0, 5), [`${v2.ip}:5000`, 'cluster2', 'network2', v2.name, 'outside-requested-view']);

    const json = await runCli(['endpoints', 'helloworld.sample.svc.cluster.local', '--network', 'network2', '-o', 'json', '--server', url]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { view: { network: string }; assignments: { clusterName: string; endpoints: { endpoint: string; via: string }[] }[] };
    assert.equal(parsed.view.network, 'network2');
    assert.deepEqual(parsed.assignments.map((a) => a.clusterName), [HELLO_CLA]);
    assert.ok(parsed.assignments[0]!.endpoints.some((e) => e.endpoint === `${v2.ip}:5000` && e.via === 'direct'));
  });

  it("endpoints passes on the server's reason for a bad host or port, with exit code 1", async () => {
    const [noPort, short, missingNetwork] = await Promise.all([
      runCli(['endpoints', 'helloworld.sample:5001', '--network', 'network1', '--server', url]),
      runCli(['endpoints', 'helloworld', '--network', 'network1', '--server', url]),
      runCli(['endpoints', 'helloworld.sample', '--server', url]),
    ]);
    assert.equal(noPort.code, 1);
    assert.match(noPort.stderr, /^horizon: service helloworld\.sample\.svc\.cluster\.local has no port 5001 \(its ports: 5000\)/);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /has no namespace: write name\.namespace/);
    assert.notEqual(missingNetwork.code, 0);
    assert.match(missingNetwork.stderr, /--network/);
  });

  it('status lists clusters, networks with their gateways, and connected proxies', async () => {
    client = new AdsClient({ address: mesh.horizon.xds.address, node: { id: 'status-test-proxy', metadata: { NETWORK: 'network2' } } });
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
    await client.nextResponse(() => true, 15_000);
    const r = await runCli(['status', '--server', url]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const c1 = cells(lines.find((l) => l.startsWith('cluster1 '))!);
    assert.deepEqual(c1.slice(0, 5), ['cluster1', 'yes', 'primary', '-', 'synced']);
    const c2 = cells(lines.find((l) => l.startsWith('cluster2 '))!);
    assert.deepEqual(c2.slice(0, 5), ['cluster2', 'no', 'secret', 'istio-system/cluster2-secret:cluster2', 'synced']);
    assert.ok(lines.some((l) => l.startsWith('network2 ') && l.includes(`${gatewayIp(mesh.c2)}:15443 (cluster2/istio-system/istio-eastwestgateway)`)), r.stdout);
    assert.ok(lines.some((l) => l.startsWith('network1 ') && l.includes(`${gatewayIp(mesh.c1)}:15443`)));
    assert.match(r.stdout, /PROXIES \(1\)/);
    assert.deepEqual(cells(lines.find((l) => l.startsWith('status-test-proxy '))!), ['status-test-proxy', 'network2', 'sotw', 'envoy', '1']);
    const json = await runCli(['status', '-o', 'json', '--server', url.replace('http://', '')]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { clusters: { id: string }[] }).clusters.map((c) => c.id), ['cluster1', 'cluster2']);
  });

  it('an unreachable debug API: a helpful error and exit code 1', async () => {
    const port = await closedPort();
    const [bad, ...runs] = await Promise.all([
      runCli(['status', '--server', 'ftp://x']),
      ...[['status'], ['endpoints', 'helloworld.sample', '--network', 'network1']].map((cmd) => runCli([...cmd, '--server', `http://127.0.0.1:${port}`])),
    ]);
    for (const r of runs) {
      assert.equal(r.code, 1);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr.trim(),
        `horizon: cannot reach Horizon's debug API at http://127.0.0.1:${port} (connection refused): is horizon serve running? pass --server`,
      );
    }
    assert.equal(bad!.code, 1);
    assert.match(bad!.stderr, /--server "ftp:\/\/x" must be an http:\/\/ or https:\/\/ URL/);
  });

  it('every command has --help', async () => {
    const cmds = ['endpoints', 'status', 'serve'];
    const results = await Promise.all(cmds.map((cmd) => runCli([cmd, '--help'])));
    for (const [i, cmd] of cmds.entries()) {
      const r = results[i]!;
      assert.equal(r.code, 0, `${cmd}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: horizon ${cmd}`));
      if (cmd !== 'serve') assert.match(r.stdout, /--server <url>[\s\S]*default:\s+"http:\/\/127\.0\.0\.1:15014"/);
      else assert.match(r.stdout, /--debug-address[\s\S]*--debug-port[\s\S]*--debug-token[\s\S]*HORIZON_DEBUG_TOKEN/);
    }
  });

  it('serve prints the ready line with the debug URL and serves it; refuses an exposed debug address without a token', async () => {
    const refused = await runCli(['serve', '--kubeconfig', mesh.kubeconfigPath, '--context', 'cluster1', '--xds-port', '0', '--debug-address', '0.0.0.0:0']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /debug address 0\.0\.0\.0:0 is reachable from other machines and no debug token is set/);

    let serve: HorizonProcess | undefined;
    try {
      serve = spawnHorizon(['serve', '--kubeconfig', mesh.kubeconfigPath, '--context', 'cluster1', '--xds-port', '0', '--debug-port', '0'], { env: cliEnv({ HORIZON_DEBUG_TOKEN: 'serve-token' }) });
      // A whole line (up to its newline), as readline would give it.
      const ready = (await serve.waitFor(/^(horizon ready:[^\n]*)\n/m, 'the ready line', 60_000))[1]!;
      assert.ok(serve.stdout().split('\n').includes(ready), `the ready line is on stdout: ${ready}`);
      const m = /^horizon ready: xds=127\.0\.0\.1:\d+ debug=(http:\/\/127\.0\.0\.1:\d+)$/.exec(ready);
      assert.ok(m, ready);
      const debugUrl = m[1]!;
      // The token came from the environment: required from then on.
      assert.equal((await getJson(debugUrl, '/debug/clusterz')).status, 401);
      const clusters = await getJson<{ id: string; syncStatus: string }[]>(debugUrl, '/debug/clusterz', { token: 'serve-token' });
      // It reads the same emulated clusters, so it finds cluster2's Secret too.
      assert.deepEqual(clusters.body.map((c) => [c.id, c.syncStatus]), [['cluster1', 'synced'], ['cluster2', 'synced']]);
      const viaCli = await runCli(['status', '--server', debugUrl]);
      assert.equal(viaCli.code, 1);
      assert.match(viaCli.stderr, /requires a token: pass --token or set HORIZON_DEBUG_TOKEN/);
      const withToken = await runCli(['status', '--server', debugUrl], { HORIZON_DEBUG_TOKEN: 'serve-token' });
      assert.equal(withToken.code, 0, withToken.stderr);
      assert.match(withToken.stdout, /^CLUSTERS\n/);
    } finally {
      await serve?.stop();
    }
  });
});
