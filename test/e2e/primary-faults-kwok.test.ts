// The primary's real control plane (kwok provider) losing its kube-apiserver, seen from outside
// `horizon serve` (issue 12, defect 2 on a real API server). The primary's Secrets and ConfigMap
// watches belong to its connection: while the API server is away, /debug/clusterz shows them failing
// and the primary stale and not synced; once it is back, the liveness probe (every 10 s, 5 s timeout;
// no serve flag) restarts every watch on it, so a remote Secret deleted and a meshNetworks ConfigMap
// created with kubectl right after are seen within the probe interval and a few seconds, not after a
// backoff grown during the outage.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { KubectlEnv, skipWithoutKubectl } from '../emulator/helpers.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';
import { waitFor } from '../support/wait.js';
import { kwokUnavailable, provisionKwok, type KwokProvisioned } from './providers/kwok.js';

const SECRET = 'horizon-e2e-primary-faults';
const LIVENESS_MS = 10_000 + 5_000;
/** Down long enough for every watch on it to fail, and their backoffs to grow (250 ms doubling to 30 s). */
const DOWN_MS = 30_000;

interface Watch {
  owner: string;
  path: string;
  state: string;
  lastError?: string;
}
interface Clusterz {
  id: string;
  primary: boolean;
  syncStatus: string;
  stale: boolean;
  watches?: Watch[];
}

describe('primary control-plane fault on kwok clusters', function () {
  this.timeout(600_000);
  let clusters: KwokProvisioned | undefined;
  let k: KubectlEnv | undefined;
  let serve: HorizonProcess | undefined;
  let debugUrl: string;

  const clusterz = async () => (await (await fetch(`${debugUrl}/debug/clusterz`)).json()) as Clusterz[];
  const primaryEntry = async () => (await clusterz()).find((c) => c.primary)!;
  const inPrimary = () => ['--context', clusters!.primary.context, '-n', 'istio-system'];

  before(async function () {
    skipWithoutKubectl(this);
    const reason = await kwokUnavailable();
    if (reason) {
      console.log(`    skipped (kwok provider): ${reason}`);
      this.skip();
    }
    clusters = await provisionKwok();
    k = await KubectlEnv.create(await readFile(clusters.kubeconfig, 'utf8'));
    const { primary, remote } = clusters;
    serve = spawnHorizon(['serve', '--kubeconfig', clusters.kubeconfig, '--context', primary.context, '--cluster-id', primary.clusterId, '--xds-port', '0', '--debug-port', '0']);
    const [, , debug] = (await serve.waitFor(/horizon serving: xds=(\S+) debug=(\S+)/, 'the serving line')) as unknown as [string, string, string];
    debugUrl = debug;
    await serve.waitFor(/horizon ready/, 'readiness', 120_000);
    const remoteKubeconfig = (await k.run(['config', 'view', '--minify', '--flatten', '--context', remote.context])).stdout;
    const file = await k.file('remote_kubecfg', remoteKubeconfig);
    await k.run([...inPrimary(), 'create', 'secret', 'generic', SECRET, `--from-file=${remote.clusterId}=${file}`]);
    await k.run([...inPrimary(), 'label', 'secret', SECRET, 'istio/multiCluster=true']);
    await waitFor(async () => (await clusterz()).some((c) => c.id === remote.clusterId && c.syncStatus === 'synced'), 'the remote registered and synced', { timeoutMs: 120_000, intervalMs: 250 });
  });

  after(async () => {
    await serve?.stop();
    await k?.cleanup();
    await clusters?.cleanup();
  });

  it("primary kube-apiserver down 30 s: its Secrets and ConfigMap watches show failing; back, a Secret deletion and a ConfigMap change are seen within the probe interval", async () => {
    const sup = clusters!.set.get(clusters!.primary.clusterId).supervisor;
    const downAt = Date.now();
    await sup.hold('kube-apiserver');
    let seen: Clusterz | undefined;
    try {
      await waitFor(
        async () => {
          seen = await primaryEntry();
          const failing = new Set((seen.watches ?? []).filter((w) => w.state === 'failing').map((w) => w.owner));
          return seen.stale && seen.syncStatus === 'syncing' && failing.has('remote-secrets') && failing.has('istio-configmap');
        },
        'the primary stale and not synced, its Secrets and ConfigMap watches failing',
        { timeoutMs: LIVENESS_MS + 15_000, intervalMs: 250 },
      ).catch((err: Error) => assert.fail(`${err.message}; last seen ${JSON.stringify(seen)}`));
      const secrets = seen!.watches!.find((w) => w.owner === 'remote-secrets')!;
      assert.equal(secrets.path, '/api/v1/namespaces/istio-system/secrets');
      assert.ok(secrets.lastError, 'the failing watch says why');
      await new Promise((r) => setTimeout(r, Math.max(0, downAt + DOWN_MS - Date.now())));
    } finally {
      sup.release('kube-apiserver');
    }
    await waitFor(async () => (await k!.run(['--context', clusters!.primary.context, 'get', '--raw', '/readyz'], { allowFail: true })).code === 0, 'the primary API server answers kubectl', {
      timeoutMs: 120_000,
      intervalMs: 500,
    });
    const changedAt = Date.now();
    await k!.run([...inPrimary(), 'delete', 'secret', SECRET]);
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { meshNetworks: 'networks:\n  network7:\n    endpoints: [{fromCidr: 10.77.0.0/16}]\n    gateways: [{address: 127.0.0.77, port: 15443}]\n' },
    };
    await k!.run(['--context', clusters!.primary.context, 'apply', '-f', '-'], { input: JSON.stringify(configMap) });
    const budget = LIVENESS_MS + 5_000;
    await waitFor(async () => !(await clusterz()).some((c) => c.id === clusters!.remote.clusterId), 'the Secret deletion seen (the remote gone)', { timeoutMs: budget, intervalMs: 100 });
    const secretMs = Date.now() - changedAt;
    await waitFor(
      async () => ((await (await fetch(`${debugUrl}/debug/networkz`)).json()) as { gateways: Array<{ network: string }> }).gateways.some((g) => g.network === 'network7'),
      'the ConfigMap change seen (network7 gateway)',
      { timeoutMs: Math.max(100, budget - (Date.now() - changedAt)), intervalMs: 100 },
    );
    const configMapMs = Date.now() - changedAt;
    console.log(`      seen after the change: Secret deletion ${secretMs} ms, ConfigMap ${configMapMs} ms (budget ${budget} ms)`);
    await waitFor(async () => {
      const e = await primaryEntry();
      return !e.stale && e.syncStatus === 'synced';
    }, 'the primary synced and not stale again', { timeoutMs: 60_000, intervalMs: 250 });
  });
});
