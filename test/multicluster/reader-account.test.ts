// ensureReaderToken for real, against an emulated cluster that runs a token controller and enforces
// RBAC: it creates the reader account, role, binding and token Secret; the token reads everything a
// remote cluster's ClusterSource watches (so Horizon syncs with it) and nothing else.
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import type { EmulatedCluster } from '../../src/emulator/index.js';
import { ClusterSource } from '../../src/kube/cluster-source.js';
import { KubeRequestError, KubeRest } from '../../src/kube/rest.js';
import { ensureReaderToken, READER_SERVICE_ACCOUNT } from '../../src/multicluster/reader-account.js';
import { startTestCluster } from '../emulator/helpers.js';
import { waitFor } from '../support/wait.js';

function kubeConfigWithToken(c: EmulatedCluster, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(c.kubeconfigYaml());
  const user = kc.getCurrentUser()!;
  kc.users = kc.users.map((u) => (u.name === user.name ? { ...u, token } : u));
  return kc;
}

async function status(rest: KubeRest, path: string): Promise<number> {
  try {
    await rest.request(path);
    return 200;
  } catch (err) {
    if (err instanceof KubeRequestError && err.statusCode !== undefined) return err.statusCode;
    throw err;
  }
}

describe('reader account (ensureReaderToken) on an emulated cluster', function () {
  this.timeout(60_000);
  let c: EmulatedCluster;
  let source: ClusterSource | undefined;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    source?.stop();
    await c?.close();
  });

  it('creates the account and returns a token that reads what Horizon watches, and only that', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(c.kubeconfigYaml());
    const token = await ensureReaderToken(new KubeRest(kc), 'istio-system');
    assert.ok(c.get('v1', 'Namespace', undefined, 'istio-system'), 'the namespace is created when missing');
    assert.ok(c.get('v1', 'ServiceAccount', 'istio-system', READER_SERVICE_ACCOUNT));
    assert.ok(c.get('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', undefined, 'istio-reader-clusterrolebinding-istio-system'));
    assert.notEqual(token, c.token);

    const again = await ensureReaderToken(new KubeRest(kc), 'istio-system');
    assert.equal(again, token, 'a second call reuses the account and its token');

    const reader = new KubeRest(kubeConfigWithToken(c, token));
    for (const path of ['/api/v1/services', '/api/v1/pods', '/api/v1/nodes', '/api/v1/namespaces', '/apis/discovery.k8s.io/v1/endpointslices', '/apis/networking.istio.io/v1/virtualservices', '/apis/networking.istio.io/v1/destinationrules']) {
      assert.equal(await status(reader, path), 200, path);
    }
    assert.equal(await status(reader, '/api/v1/secrets'), 403, 'secrets are not readable');
    assert.equal(await status(reader, '/api/v1/namespaces/default/configmaps'), 403);

    // The proof that the rules are enough: a remote-cluster source with only this token syncs.
    source = new ClusterSource({ id: 'remote', kubeConfig: kubeConfigWithToken(c, token), domain: 'cluster.local', systemNamespace: 'istio-system', syncTimeoutMs: 20_000, probeIntervalMs: 0 });
    source.start();
    await waitFor(() => source!.status !== 'syncing', 'the reader source to sync', { timeoutMs: 20_000 });
    assert.equal(source.status, 'synced', `watches: ${JSON.stringify(source.watches())}`);
  });
});
