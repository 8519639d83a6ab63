// Faults of a remote cluster's real control plane (kwok provider), seen from outside Horizon: the
// remote's kube-apiserver frozen (SIGSTOP) past the liveness probe, killed and restarted, its etcd
// compacted under the watches (410 Gone), its etcd restarted. Throughout, `horizon serve` keeps the
// remote's last known endpoints (a network1 caller still gets network2's gateway) while
// /debug/clusterz marks the remote stale; afterwards the remote is synced and not stale, and a change
// made in the remote (helloworld-v2 scaled with kubectl) shows in /debug/endpointz.
import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { KubectlEnv, skipWithoutKubectl } from '../emulator/helpers.js';
import { claAddresses, HELLO_CLA, HELLO_HOST } from '../support/demo-mesh.js';
import { spawnHorizon, type HorizonProcess } from '../support/horizon-process.js';
import { waitFor } from '../support/wait.js';
import { kwokUnavailable, provisionKwok, type KwokProvisioned } from './providers/kwok.js';
import { gatewayAddresses, helloworldEndpoints } from './support/cluster-facts.js';

const SECRET = 'horizon-e2e-faults';
/** Horizon's API server liveness probe: every 10 s (no serve flag), each probe with a 5 s timeout. */
const LIVENESS_MS = 10_000 + 5_000;

interface Clusterz {
  id: string;
  primary: boolean;
  syncStatus: string;
  stale: boolean;
  staleSince?: string;
  lastError?: string;
}

describe('remote control-plane faults on kwok clusters', function () {
  this.timeout(600_000);
  let clusters: KwokProvisioned | undefined;
  let k: KubectlEnv | undefined;
  let serve: HorizonProcess | undefined;
  let client: AdsClient | undefined;
  let debugUrl: string;
  let expected: string[];
  let workDir: string;
  /** What /debug/clusterz said about cluster2 while its etcd was down. */
  let etcdOutage: string[] = [];

  const sup = () => clusters!.set.get('cluster2').supervisor;
  const remoteEntry = async (): Promise<Clusterz | undefined> => {
    const list = (await (await fetch(`${debugUrl}/debug/clusterz`)).json()) as Clusterz[];
    return list.find((c) => c.id === clusters!.remote.clusterId);
  };
  /** cluster2's helloworld endpoints as Horizon holds them. */
  const remoteEndpoints = async (): Promise<string[]> => {
    const z = (await (await fetch(`${debugUrl}/debug/endpointz?host=helloworld.sample`)).json()) as Record<string, Record<string, Record<string, Array<{ address: string }>>>>;
    return (z[HELLO_HOST]?.sample?.['Kubernetes/cluster2'] ?? []).map((e) => e.address).sort();
  };
  /** cluster2's helloworld pod addresses as kubectl reads them. */
  const remotePods = async () => (await helloworldEndpoints(k!, clusters!.remote)).map((a) => a.replace(/:\d+$/, '')).sort();
  const claIsExpected = () => JSON.stringify(claAddresses(client!)) === JSON.stringify(expected);

  const waitCla = async (what: string, ms = 60_000) => {
    try {
      await waitFor(claIsExpected, what, { timeoutMs: ms, intervalMs: 25 });
    } catch (err) {
      assert.fail(`${(err as Error).message}: got ${JSON.stringify(claAddresses(client!))}, want ${JSON.stringify(expected)}`);
    }
  };

  /** Waits until the remote is stale; all the while (and then) the CLA keeps the remote's gateway. */
  const expectStaleKeepingEndpoints = async (what: string, ms: number) => {
    let entry: Clusterz | undefined;
    await waitFor(
      async () => {
        assert.ok(claIsExpected(), `${what}: the CLA changed while the remote was away: ${JSON.stringify(claAddresses(client!))}`);
        entry = await remoteEntry();
        return entry?.stale === true;
      },
      `${what}: /debug/clusterz marks the remote stale`,
      { timeoutMs: ms, intervalMs: 100 },
    ).catch((err: Error) => assert.fail(`${err.message}; last seen ${JSON.stringify(entry)}`));
    assert.ok(entry!.staleSince, 'staleSince is set');
    assert.ok(claIsExpected(), `${what}: last known endpoints kept`);
  };

  const expectBack = async (what: string) => {
    let entry: Clusterz | undefined;
    await waitFor(
      async () => {
        entry = await remoteEntry();
        return entry?.stale === false && entry.syncStatus === 'synced';
      },
      `${what}: the remote synced and not stale again`,
      { timeoutMs: 90_000, intervalMs: 100 },
    ).catch((err: Error) => assert.fail(`${err.message}; last seen ${JSON.stringify(entry)}`));
    await waitCla(`${what}: the CLA after the remote came back`);
  };

  const scale = async (replicas: number) => {
    await k!.run(['--context', 'cluster2', '-n', 'sample', 'scale', 'deployment/helloworld-v2', `--replicas=${replicas}`]);
    await waitFor(async () => (await remotePods()).length === replicas, `cluster2 has ${replicas} ready helloworld-v2 pods (kubectl)`, { timeoutMs: 90_000, intervalMs: 250 });
  };

  /** After a change in cluster2, Horizon holds exactly the endpoints kubectl reads. */
  const expectRemoteEndpointsSeen = async (what: string) => {
    const want = await remotePods();
    let got: string[] = [];
    await waitFor(
      async () => {
        got = await remoteEndpoints();
        return JSON.stringify(got) === JSON.stringify(want);
      },
      `${what}: /debug/endpointz has cluster2's ${want.length} endpoints`,
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch((err: Error) => assert.fail(`${err.message}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`));
    await waitCla(`${what}: the CLA (one gateway address whatever the remote's endpoint count)`);
  };

  const etcdUrl = async (): Promise<string> => {
    const pid = sup().status().find((s) => s.name === 'etcd')?.pid;
    assert.ok(pid, 'etcd runs');
    const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const flag = args.find((a) => a.startsWith('--listen-client-urls='))?.split('=')[1] ?? args[args.indexOf('--listen-client-urls') + 1];
    assert.ok(flag, `etcd's client URL in ${args.join(' ')}`);
    return flag!.split(',')[0]!;
  };
  const etcd = async (url: string, api: string, body: unknown) => {
    const res = await fetch(`${url}${api}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    assert.equal(res.status, 200, `${api}: ${text}`);
    return JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  before(async function () {
    skipWithoutKubectl(this);
    const reason = await kwokUnavailable();
    if (reason) {
      console.log(`    skipped (kwok provider): ${reason}`);
      this.skip();
    }
    clusters = await provisionKwok();
    workDir = path.dirname(clusters.kubeconfig);
    k = await KubectlEnv.create(await readFile(clusters.kubeconfig, 'utf8'));
    const { primary, remote } = clusters;

    serve = spawnHorizon(['serve', '--kubeconfig', clusters.kubeconfig, '--context', primary.context, '--cluster-id', primary.clusterId, '--xds-port', '0', '--debug-port', '0']);
    const [, xds, debug] = (await serve.waitFor(/horizon serving: xds=(\S+) debug=(\S+)/, 'the serving line')) as unknown as [string, string, string];
    debugUrl = debug;
    await serve.waitFor(/horizon ready/, 'readiness', 120_000);

    const local = await helloworldEndpoints(k, primary);
    const gateways = await gatewayAddresses(k, remote);
    assert.ok(local.length > 0 && gateways.length === 1, `local ${local}, gateways ${gateways}`);
    expected = [...local, ...gateways].sort();

    client = new AdsClient({ address: xds, node: { id: 'e2e-faults', metadata: { NETWORK: primary.network } } });
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);

    const remoteKubeconfig = (await k.run(['config', 'view', '--minify', '--flatten', '--context', remote.context])).stdout;
    const file = await k.file('remote_kubecfg', remoteKubeconfig);
    const inPrimary = ['--context', primary.context, '-n', 'istio-system'];
    await k.run([...inPrimary, 'create', 'secret', 'generic', SECRET, `--from-file=${remote.clusterId}=${file}`]);
    await k.run([...inPrimary, 'label', 'secret', SECRET, 'istio/multiCluster=true']);
    await waitCla('the local pod and network2\'s gateway');
    await expectBack('after registration');
    await expectRemoteEndpointsSeen('after registration');
  });

  after(async () => {
    client?.close();
    await serve?.stop();
    await k?.cleanup();
    await clusters?.cleanup();
  });

  it('kube-apiserver SIGSTOPped past the liveness probe: stale, endpoints kept; SIGCONT: synced again', async () => {
    await sup().pause('kube-apiserver');
    try {
      await expectStaleKeepingEndpoints('apiserver stopped', LIVENESS_MS + 15_000);
      assert.match((await remoteEntry())!.lastError ?? '', /liveness|timeout|timed out/i, 'lastError names the failing probe');
    } finally {
      await sup().resume('kube-apiserver');
    }
    await expectBack('apiserver resumed');
    await scale(2);
    await expectRemoteEndpointsSeen('scaled to 2 after the resume');
    await scale(1);
    await expectRemoteEndpointsSeen('scaled back to 1');
  });

  it('kube-apiserver SIGKILLed (the supervisor restarts it): stale, endpoints kept; then helloworld-v2 scaled to 2 is seen', async () => {
    const before = sup().status().find((s) => s.name === 'kube-apiserver')!.restarts;
    await sup().kill('kube-apiserver');
    await expectStaleKeepingEndpoints('apiserver killed', LIVENESS_MS + 15_000);
    await expectBack('apiserver restarted');
    assert.equal(sup().status().find((s) => s.name === 'kube-apiserver')!.restarts, before + 1, 'the supervisor restarted it once');
    await scale(2);
    await expectRemoteEndpointsSeen('scaled to 2 after the restart');
  });

  it('etcd compacted past Horizon\'s resourceVersions, kube-apiserver restarted (old versions now 410 Gone): recovers, later changes are seen', async () => {
    const url = await etcdUrl();
    const rev = (await etcd(url, '/v3/kv/range', { key: 'AA==' })).header.revision as string;
    await scale(3);
    await expectRemoteEndpointsSeen('scaled to 3 before the compaction');
    await scale(1);
    const now = (await etcd(url, '/v3/kv/range', { key: 'AA==' })).header.revision as string;
    assert.ok(BigInt(now) > BigInt(rev), `the revision moved (${rev} -> ${now})`);
    await etcd(url, '/v3/kv/compaction', { revision: now, physical: true });
    // Make the watches start again from their old resourceVersions against an API server whose watch
    // cache begins after the compaction: kill it (the supervisor restarts it with an empty cache).
    await sup().kill('kube-apiserver');
    await expectStaleKeepingEndpoints('apiserver killed after the compaction', LIVENESS_MS + 15_000);
    await expectBack('after the compaction');
    await expectRemoteEndpointsSeen('scaled to 1 around the compaction');
    await scale(2);
    await expectRemoteEndpointsSeen('scaled to 2 after the compaction');
  });

  it('etcd killed and kept down 20 s, then restarted: endpoints kept meanwhile; later changes are seen', async () => {
    await sup().kill('etcd');
    // Kept down (the supervisor would restart it within 250 ms) so the remote is away long enough.
    await sup().hold('etcd');
    const seen = new Set<string>();
    try {
      const until = Date.now() + LIVENESS_MS + 5_000;
      while (Date.now() < until) {
        assert.ok(claIsExpected(), `etcd down: the CLA changed: ${JSON.stringify(claAddresses(client!))}`);
        const e = await remoteEntry();
        seen.add(`syncStatus=${e?.syncStatus} stale=${e?.stale}${e?.lastError ? ` lastError=${e.lastError}` : ''}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      sup().release('etcd');
    }
    etcdOutage = [...seen];
    await expectBack('etcd restarted');
    await scale(1);
    await expectRemoteEndpointsSeen('scaled to 1 after the etcd restart');
  });

  it('etcd down: /debug/clusterz marks the remote stale (the liveness probe asks /readyz, which checks etcd)', () => {
    assert.ok(etcdOutage.length > 0, 'the etcd test ran');
    // Found here: kube-apiserver answers /version without etcd and open watches just go quiet, so a
    // probe of /version left a remote whose etcd was gone looking synced and fresh.
    assert.ok(etcdOutage.some((x) => x.includes('stale=true')), `cluster2's etcd was down ${LIVENESS_MS + 5_000} ms and /debug/clusterz said only: ${etcdOutage.join(' | ')}`);
  });

  it('nothing left behind: after cleanup no process runs from the clusters\' work dir', async () => {
    client?.close();
    client = undefined;
    await serve?.stop();
    serve = undefined;
    await k?.cleanup();
    k = undefined;
    const c = clusters!;
    clusters = undefined;
    await c.cleanup();
    const left: string[] = [];
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd.includes(workDir)) left.push(`${pid}: ${cmd.split('\0').join(' ')}`);
    }
    assert.deepEqual(left, [], `processes left behind from ${workDir}`);
  });
});
