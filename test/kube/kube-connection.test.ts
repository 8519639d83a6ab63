// One connection per API server owns every watch on it, whoever asked for it: what "synced" means
// (every watch listed once, none failing now, the probe answering; `timeout` kept), a probe recovery
// restarting every owner's watch at once, and repeated failures of many dead clusters summarised in
// the logs (first occurrence, then counted) while every one is counted for metrics.
import { strict as assert } from 'node:assert';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { EmulatedCluster } from '../../src/emulator/index.js';
import { ClusterSource } from '../../src/kube/cluster-source.js';
import { KubeConnection } from '../../src/kube/kube-connection.js';
import { captureLogs, rootLogger } from '../../src/log.js';
import { LogSummary } from '../../src/util/log-summary.js';
import { startTestCluster, waitFor } from '../emulator/helpers.js';

const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kc' } };
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kc' } });

describe('kube/KubeConnection', function () {
  this.timeout(60_000);
  let c: EmulatedCluster;
  const connections: KubeConnection[] = [];
  const kubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromString(c.kubeconfigYaml());
    return kc;
  };
  before(async () => {
    c = await startTestCluster({}, [ns]);
  });
  afterEach(async () => {
    for (const k of connections.splice(0)) k.stop();
    await c.restart();
  });
  after(async () => {
    await c.close();
  });

  const names = () => {
    const set = new Set<string>();
    return { set, handlers: { upsert: (o: KubernetesObject) => set.add(o.metadata!.name!), remove: (o: KubernetesObject) => set.delete(o.metadata!.name!) } };
  };

  it('synced means every watch listed and none failing; down it is stale and syncing, every owner\'s watch failing; back, one probe restarts them all', async () => {
    // A backoff that only a probe restart can beat within this test's deadlines.
    const conn = new KubeConnection({ cluster: 't', kubeConfig: kubeConfig(), syncTimeoutMs: 20_000, probeIntervalMs: 1000, backoff: { initialMs: 20_000, maxMs: 20_000 } });
    connections.push(conn);
    const pods = names();
    const maps = names();
    conn.watch({ owner: 'cluster', path: '/api/v1/namespaces/kc/pods', handlers: pods.handlers });
    conn.watch({ owner: 'someone-else', path: '/api/v1/namespaces/kc/configmaps', handlers: maps.handlers });
    assert.equal(conn.status, 'syncing', 'not started');
    conn.start();
    await conn.whenSynced();
    assert.equal(conn.status, 'synced');
    assert.equal(conn.hasSynced, true);
    assert.deepEqual(conn.watches().map((w) => [w.owner, w.state]), [['cluster', 'synced'], ['someone-else', 'synced']]);

    // At once: a watch the server ends within a second of starting is resumed after a backoff, and
    // shows failing meanwhile (it used to show synced until that backoff had passed).
    await c.stop();
    await waitFor(() => conn.status === 'syncing' && conn.staleSince !== undefined && conn.watches().every((w) => w.state === 'failing'), 'stale, syncing, every watch failing');
    assert.equal(conn.hasSynced, true, 'the first sync stays done (readiness)');
    const other = conn.watches().find((w) => w.owner === 'someone-else')!;
    assert.ok(other.failures >= 1 && other.lastError, JSON.stringify(other));
    c.create(configMap('while-down'));
    await c.restart();
    const back = Date.now();
    await waitFor(() => maps.set.has('while-down'), "the other owner's watch restarted by the probe", 6000);
    assert.ok(Date.now() - back < 6000);
    await waitFor(() => conn.status === 'synced' && conn.staleSince === undefined, 'synced and not stale again');
    c.delete('v1', 'ConfigMap', 'kc', 'while-down');
  });

  it('timeout: not every watch listed in time; it still syncs later; a watch added later is waited for', async () => {
    await c.stop();
    const conn = new KubeConnection({ cluster: 't', kubeConfig: kubeConfig(), syncTimeoutMs: 300, probeIntervalMs: 200, backoff: { initialMs: 50, maxMs: 200 } });
    connections.push(conn);
    conn.watch({ owner: 'cluster', path: '/api/v1/namespaces/kc/pods', handlers: names().handlers });
    conn.start();
    await waitFor(() => conn.status === 'timeout', 'timeout');
    assert.equal(conn.hasSynced, false);
    await c.restart();
    await waitFor(() => conn.status === 'synced', 'synced after all');
    const late = conn.watch({ owner: 'late', path: '/api/v1/namespaces/kc/configmaps', handlers: names().handlers });
    assert.equal(conn.status, 'syncing', 'a new watch not listed yet: not synced');
    await waitFor(() => conn.status === 'synced' && late.hasSynced, 'synced with the new watch');
    late.close();
    assert.deepEqual(conn.watches().map((w) => w.owner), ['cluster'], 'a closed watch is forgotten');
  });

  it('fifty dead clusters: each one\'s first failure is logged, the rest only counted', async () => {
    const dead = new KubeConfig();
    dead.loadFromString(
      'apiVersion: v1\nkind: Config\nclusters:\n- name: d\n  cluster: {server: "http://127.0.0.1:1", insecure-skip-tls-verify: true}\ncontexts:\n- name: d\n  context: {cluster: d, user: u}\ncurrent-context: d\nusers:\n- name: u\n  user: {token: x}\n',
    );
    const lines: string[] = [];
    const restore = captureLogs((l) => lines.push(l));
    const level = rootLogger.level;
    rootLogger.level = 'info';
    const logs = new LogSummary({ windowMs: 60_000 });
    let failures = 0;
    const sources: ClusterSource[] = [];
    try {
      for (let i = 0; i < 50; i++) {
        const s = new ClusterSource({
          id: `dead${i}`,
          kubeConfig: dead,
          domain: 'cluster.local',
          systemNamespace: 'istio-system',
          syncTimeoutMs: 60_000,
          probeIntervalMs: 0,
          backoff: { initialMs: 10, maxMs: 40 },
          logs,
          onWatchFailure: () => failures++,
        });
        sources.push(s);
        s.start();
      }
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      for (const s of sources) s.stop();
      restore();
      rootLogger.level = level;
    }
    // This test predates the summary: 'informer failing; will retry' is what each failure logged.
    const failureLines = lines.filter((l) => /watch failing; retrying|informer failing/.test(l));
    assert.ok(failureLines.length <= 50, `${failureLines.length} failure lines logged for ${failures} failures counted (one line per cluster expected)`);
    assert.ok(failures >= 500, `${failures} failed attempts counted`);
    assert.equal(logs.pending('watch failing dead0') > 0, true, 'the rest are counted for the summary');
    logs.close();
  });
});
