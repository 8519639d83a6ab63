// Where `serve` and `create-remote-secret` get their cluster credentials: --kubeconfig, $KUBECONFIG,
// ~/.kube/config, else the pod's service account (in-cluster), here from a fake service-account
// directory pointing at an emulated cluster, with a token its token controller issued.
import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inClusterKubeConfig, loadOperatorKubeconfig, SERVICEACCOUNT_DIR_ENV } from '../../src/cli/load-kubeconfig.js';
import type { EmulatedCluster } from '../../src/emulator/index.js';
import { KubeRequestError, KubeRest } from '../../src/kube/rest.js';
import { startTestCluster } from '../emulator/helpers.js';

describe('loadOperatorKubeconfig', function () {
  this.timeout(30_000);
  let dir: string;
  let home: string;
  let c: EmulatedCluster;
  let saDir: string;
  let token: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-kubeconfig-'));
    home = path.join(dir, 'home');
    await mkdir(home);
    c = await startTestCluster();
    c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'horizon' } });
    c.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'horizon', namespace: 'horizon' } });
    c.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'svc' }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }] });
    c.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'svc' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'svc' }, subjects: [{ kind: 'ServiceAccount', name: 'horizon', namespace: 'horizon' }] });
    const secret = c.create({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token', metadata: { name: 't', namespace: 'horizon', annotations: { 'kubernetes.io/service-account.name': 'horizon' } } });
    const data = c.get('v1', 'Secret', 'horizon', secret.metadata.name!)!.data as Record<string, string>;
    token = Buffer.from(data.token!, 'base64').toString();
    saDir = path.join(dir, 'serviceaccount');
    await mkdir(saDir);
    await writeFile(path.join(saDir, 'token'), token);
    await writeFile(path.join(saDir, 'ca.crt'), c.caCertificate);
    await writeFile(path.join(saDir, 'namespace'), 'horizon');
  });
  after(async () => {
    await c?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const podEnv = (): NodeJS.ProcessEnv => ({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(c.port), [SERVICEACCOUNT_DIR_ENV]: saDir });

  it('inside a pod (no kubeconfig anywhere) uses the service account, and the API server accepts it', async () => {
    const loaded = loadOperatorKubeconfig(undefined, { env: podEnv(), home });
    assert.equal(loaded.inCluster, true);
    assert.equal(loaded.namespace, 'horizon');
    assert.match(loaded.source, /in-cluster service account/);
    assert.equal(loaded.kubeConfig.getCurrentCluster()!.server, `https://127.0.0.1:${c.port}`);
    const rest = new KubeRest(loaded.kubeConfig);
    const list = await rest.request<{ items: unknown[] }>('/api/v1/services');
    assert.ok(Array.isArray(list.items), 'TLS verified against ca.crt, token accepted');
    await assert.rejects(rest.request('/api/v1/secrets'), (err: unknown) => err instanceof KubeRequestError && err.statusCode === 403, 'and only what RBAC grants');
  });

  it('prefers a kubeconfig: --kubeconfig, then $KUBECONFIG, then ~/.kube/config', async () => {
    const file = path.join(dir, 'explicit');
    await writeFile(file, c.kubeconfigYaml({ contextName: 'explicit' }));
    const fromEnv = path.join(dir, 'from-env');
    await writeFile(fromEnv, c.kubeconfigYaml({ contextName: 'from-env' }));
    await mkdir(path.join(home, '.kube'), { recursive: true });
    await writeFile(path.join(home, '.kube', 'config'), c.kubeconfigYaml({ contextName: 'from-home' }));
    try {
      assert.equal(loadOperatorKubeconfig(file, { env: { ...podEnv(), KUBECONFIG: fromEnv }, home }).kubeConfig.getCurrentContext(), 'explicit');
      assert.equal(loadOperatorKubeconfig(undefined, { env: { ...podEnv(), KUBECONFIG: `${path.join(dir, 'missing')}:${fromEnv}` }, home }).kubeConfig.getCurrentContext(), 'from-env');
      const fromHome = loadOperatorKubeconfig(undefined, { env: podEnv(), home });
      assert.equal(fromHome.kubeConfig.getCurrentContext(), 'from-home');
      assert.equal(fromHome.inCluster, false);
    } finally {
      await rm(path.join(home, '.kube'), { recursive: true, force: true });
    }
  });

  it('says what is wrong: a missing file, a pod without a token, nothing at all', () => {
    assert.throws(() => loadOperatorKubeconfig(path.join(dir, 'nope'), { env: {}, home }), /kubeconfig .*nope does not exist/);
    assert.throws(() => loadOperatorKubeconfig(undefined, { env: {}, home }), /no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster/);
    assert.throws(
      () => loadOperatorKubeconfig(undefined, { env: { ...podEnv(), [SERVICEACCOUNT_DIR_ENV]: path.join(dir, 'empty') }, home }),
      /KUBERNETES_SERVICE_HOST is set but there is no service account token at .*empty\/token: mount one \(automountServiceAccountToken: true\) or set HORIZON_SERVICEACCOUNT_DIR/,
    );
  });

  it('brackets an IPv6 service host', () => {
    const { kubeConfig } = inClusterKubeConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', [SERVICEACCOUNT_DIR_ENV]: saDir });
    assert.equal(kubeConfig.getCurrentCluster()!.server, 'https://[fd00::1]:443');
  });
});
