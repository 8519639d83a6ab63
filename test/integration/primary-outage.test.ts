// The primary's API server down, then back (issue 12, defect 2). Its remote-cluster Secrets watch and
// meshNetworks ConfigMap watch used to be orphans, outside the primary's connection: the liveness
// probe's restart never reached them, they waited out their own backoff (grown long by an outage), and
// /debug/clusterz said the primary was synced and not stale meanwhile. Now every watch on the primary
// belongs to its connection: while the server is down each one shows failing, the primary is stale
// and not synced; once it is back, one probe restarts them all, and a Secret deletion and a ConfigMap
// change made during the outage are seen within about the probe interval.
import { strict as assert } from 'node:assert';
import type { ClusterzEntry } from '../../src/debug/views/clusterz.js';
import type { SynczEntry } from '../../src/debug/views/syncz.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { getJson } from '../support/debug-http.js';
import { HELLO_CLA, HELLO_HOST, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

// A probe's timeout is its interval (at most 5 s): on a loaded 2-core machine a fresh TLS handshake
// can take longer than 500 ms, so 1 s.
const PROBE_MS = 1000;
/** What "about the probe interval" allows for on a shared 2-core machine. */
const RECOVERY_BUDGET_MS = PROBE_MS + 4000;

describe('the primary API server down, then back: every watch on it recovers with it', function () {
  this.timeout(120_000);
  let mesh: DemoMesh | undefined;
  let client: AdsClient | undefined;
  afterEach(async () => {
    client?.close();
    await mesh?.close();
  });

  it('shows the Secrets and ConfigMap watches failing while down; sees a Secret deletion and a ConfigMap change soon after', async () => {
    // A backoff as grown by a long outage (the informers' default grows to 30 s): whatever waits it
    // out is 10-20 s late, far beyond the recovery budget.
    mesh = await startDemoMesh({ probeIntervalMs: PROBE_MS, informerBackoff: { initialMs: 20_000, maxMs: 20_000 }, debugAddress: '127.0.0.1:0' });
    const m = mesh;
    await m.horizon.whenReady();
    const debug = m.horizon.debug!.url;
    const primaryEntry = async () => (await getJson<ClusterzEntry[]>(debug, '/debug/clusterz')).body.find((c) => c.primary)!;
    m.registerRemote({ secretName: 'c2' });
    await waitFor(() => m.horizon.mesh.endpoints(HELLO_HOST).some((e) => e.cluster === 'cluster2'), 'cluster2 registered', { timeoutMs: 15_000 });
    client = new AdsClient({ address: m.horizon.xds.address, node: { id: 'watcher', metadata: { NETWORK: 'network1', CLUSTER_ID: 'cluster1' } } });
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
    await waitFor(async () => (await getJson<SynczEntry[]>(debug, '/debug/syncz')).body.some((p) => p.proxy === 'watcher'), 'the proxy connected');

    await m.c1.stop();
    let seen: ClusterzEntry | undefined;
    await waitFor(
      async () => {
        seen = await primaryEntry();
        const failing = new Set((seen.watches ?? []).filter((w) => w.state === 'failing').map((w) => w.owner));
        return seen.stale && seen.syncStatus === 'syncing' && failing.has('remote-secrets') && failing.has('istio-configmap') && failing.has('cluster');
      },
      'the primary stale, not synced, its Secrets, ConfigMap and own watches failing',
      { timeoutMs: 15_000, intervalMs: 100 },
    ).catch((err: Error) => assert.fail(`${err.message}; last seen ${JSON.stringify(seen)}`));
    const secretsWatch = seen!.watches!.find((w) => w.owner === 'remote-secrets')!;
    assert.equal(secretsWatch.path, '/api/v1/namespaces/istio-system/secrets');
    assert.match(secretsWatch.lastError ?? '', /ECONNREFUSED|connect|cut/);
    assert.ok(secretsWatch.failures >= 1);
    // The proxy of that cluster is told its cluster's watches are failing (/debug/syncz).
    const proxy = (await getJson<SynczEntry[]>(debug, '/debug/syncz')).body.find((p) => p.proxy === 'watcher');
    assert.ok(proxy?.clusterWatchesFailing?.some((w) => w.owner === 'remote-secrets'), JSON.stringify(proxy?.clusterWatchesFailing));
    assert.equal(m.horizon.readiness().ready, true, 'still ready: last known state is served');

    // Changes made while it is down: the remote Secret deleted, a meshNetworks ConfigMap created.
    m.c1.delete('v1', 'Secret', 'istio-system', 'c2');
    m.c1.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: { meshNetworks: 'networks:\n  network7:\n    endpoints: [{fromCidr: 10.77.0.0/16}]\n    gateways: [{address: 127.0.0.77, port: 15443}]\n' },
    });
    await m.c1.restart();
    const backAt = Date.now();
    await waitFor(() => !m.horizon.registry.has('cluster2'), 'the Secret deletion seen', { timeoutMs: RECOVERY_BUDGET_MS, intervalMs: 20 });
    const secretMs = Date.now() - backAt;
    await waitFor(() => (m.horizon.mesh.gateways().get('network7') ?? []).length === 1, 'the ConfigMap change seen', { timeoutMs: Math.max(100, RECOVERY_BUDGET_MS - (Date.now() - backAt)), intervalMs: 20 });
    const configMapMs = Date.now() - backAt;
    assert.ok(secretMs <= RECOVERY_BUDGET_MS && configMapMs <= RECOVERY_BUDGET_MS, `seen after ${secretMs} / ${configMapMs} ms`);
    await waitFor(async () => {
      const e = await primaryEntry();
      return !e.stale && e.syncStatus === 'synced' && (e.watches ?? []).every((w) => w.state !== 'failing');
    }, 'the primary synced and not stale again', { timeoutMs: 10_000 });
  });
});
