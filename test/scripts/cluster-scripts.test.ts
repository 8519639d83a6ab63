// The scripts kind-up.sh runs after `kind create cluster`, run for real with bash and the real kubectl
// against two empty emulated clusters shaped like the kind ones (token controller and RBAC included):
// prepare-cluster.sh installs CRDs, samples and the NodePort gateway; register-remote.sh makes the
// reader account and the remote Secret; Horizon on cluster1 then serves cluster2 through its gateway,
// reading cluster2 with nothing but the reader's token.
import { strict as assert } from 'node:assert';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startClusterDefinitions, type EmulatedClusterSet, type KObject } from '../../src/emulator/index.js';
import { startHorizon, type Horizon } from '../../src/horizon.js';
import { readerRules } from '../../src/multicluster/reader-account.js';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { KubectlEnv, skipWithoutKubectl, testDefinition } from '../emulator/helpers.js';
import { claAddresses, HELLO_CLA, helloPod, repoRoot, secretObject } from '../support/demo-mesh.js';
import { run } from '../support/exec.js';
import { waitFor } from '../support/wait.js';

/** An empty emulated cluster with kind's ranges (clusters/kind/cluster<i>.yaml) and two nodes. */
function kindLike(i: number) {
  return testDefinition({
    clusterID: `cluster${i}`,
    network: `network${i}`,
    podCIDR: `10.${i}0.0.0/16`,
    serviceCIDR: `10.${i}1.0.0/16`,
    loadBalancerPool: `10.${i}2.0.0/24`,
    nodes: [1, 2].map((n) => ({ name: `cluster${i}-node${n}`, internalIP: `172.18.${i}.${n}`, labels: { 'topology.kubernetes.io/region': `region${i}`, 'topology.kubernetes.io/zone': `region${i}-zone-a` } })),
  });
}

describe('cluster scripts (prepare-cluster.sh, register-remote.sh) against emulated clusters', function () {
  this.timeout(180_000);
  let set: EmulatedClusterSet;
  let k: KubectlEnv;
  let horizon: Horizon | undefined;
  let client: AdsClient | undefined;

  const script = (name: string, args: string[]) => run('bash', [path.join(repoRoot, 'scripts', name), ...args], { env: k.env, timeoutMs: 120_000 });
  const ok = async (name: string, args: string[]) => {
    const r = await script(name, args);
    assert.equal(r.code, 0, `${name} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  before(async function () {
    skipWithoutKubectl(this);
    set = await startClusterDefinitions([kindLike(1), kindLike(2)]);
    k = await KubectlEnv.create(set.kubeconfigYaml());
  });
  after(async () => {
    client?.close();
    await horizon?.close();
    await set?.stop();
    await k?.cleanup();
  });

  it('refuse bad usage with a clear message', async () => {
    const usage = await script('register-remote.sh', ['cluster1']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: .*register-remote\.sh <primary-context> <remote-context> <cluster-id>/);
    const badId = await script('register-remote.sh', ['cluster1', 'cluster2', 'Cluster_2']);
    assert.notEqual(badId.code, 0);
    assert.match(badId.stderr, /cluster ID "Cluster_2" must be a DNS label/);
    const badSample = await script('prepare-cluster.sh', ['cluster1', 'network1', 'nowhere']);
    assert.notEqual(badSample.code, 0);
    assert.match(badSample.stderr, /no sample at .*clusters\/demo\/nowhere\/sample\.yaml/);
    const noContext = await script('prepare-cluster.sh', ['no-such-context', 'network1', 'cluster1']);
    assert.notEqual(noContext.code, 0);
    assert.match(noContext.stderr, /cannot reach the cluster of context "no-such-context"/);
  });

  it('prepare-cluster.sh: network label, CRDs, samples and a NodePort gateway; safe to run again', async () => {
    await ok('prepare-cluster.sh', ['cluster1', 'network1', 'cluster1']);
    await ok('prepare-cluster.sh', ['cluster2', 'network2', 'cluster2']);
    const again = await ok('prepare-cluster.sh', ['cluster2', 'network2', 'cluster2']);
    assert.doesNotMatch(again, /created/, 'a second run creates nothing');
    for (const [i, c] of set.clusters.entries()) {
      assert.equal(c.get('v1', 'Namespace', undefined, 'istio-system')!.metadata.labels!['topology.istio.io/network'], `network${i + 1}`);
      for (const crd of ['virtualservices', 'destinationrules', 'gateways']) assert.ok(c.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, `${crd}.networking.istio.io`), crd);
      const gw = c.get('v1', 'Service', 'istio-system', 'istio-eastwestgateway') as KObject & { spec: { type: string; ports: Array<{ name: string; nodePort?: number }> } };
      assert.equal(gw.spec.type, 'NodePort');
      assert.equal(gw.metadata.labels!['topology.istio.io/network'], `network${i + 1}`);
      assert.ok(gw.spec.ports.find((p) => p.name === 'tls')!.nodePort! >= 30000);
      assert.equal(c.list('v1', 'Pod', { namespace: 'sample', labelSelector: `app=helloworld,version=v${i + 1}` }).length, 1);
      assert.equal(c.list('v1', 'Pod', { namespace: 'sample', labelSelector: 'app=sleep' }).length, 1, 'sleep in every cluster');
    }
  });

  it('register-remote.sh: Horizon on cluster1 serves cluster2 through its gateway, read with the reader token only', async () => {
    const [c1, c2] = set.clusters as [typeof set.clusters[0], typeof set.clusters[0]];
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(set.kubeconfigYaml());
    horizon = await startHorizon({ kubeConfig, contexts: ['cluster1'], xdsAddress: '127.0.0.1:0', remoteClusterTimeoutMs: 20_000, probeIntervalMs: 500, informerBackoff: { initialMs: 50, maxMs: 500 }, pushQuietMs: 2 });
    await horizon.whenReady();
    client = new AdsClient({ address: horizon.xds.address, node: { id: 'scripts-test', metadata: { NETWORK: 'network1' } } });
    client.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [HELLO_CLA]);
    const addresses = () => claAddresses(client!);
    const v1 = `${helloPod(c1).ip}:5000`;
    await waitFor(() => addresses().length === 1, 'the v1 endpoint', { timeoutMs: 20_000 });
    assert.deepEqual(addresses(), [v1]);

    const out = await ok('register-remote.sh', ['cluster1', 'cluster2', 'cluster2']);
    assert.match(out, /registered "cluster2" as cluster cluster2 in "cluster1" \(secret istio-system\/istio-remote-secret-cluster2\)/);
    const secret = c1.get('v1', 'Secret', 'istio-system', 'istio-remote-secret-cluster2')!;
    assert.equal(secret.metadata.labels!['istio/multiCluster'], 'true');
    assert.equal(secret.metadata.annotations!['networking.istio.io/cluster'], 'cluster2');
    const remoteKubeconfig = Buffer.from((secret.data as Record<string, string>).cluster2!, 'base64').toString('utf8');
    assert.doesNotMatch(remoteKubeconfig, new RegExp(c2.token), 'the Secret carries the reader token, not the admin token');
    assert.match(remoteKubeconfig, /certificate-authority-data: /);
    const role = c2.get('rbac.authorization.k8s.io/v1', 'ClusterRole', undefined, 'istio-reader-clusterrole-istio-system') as KObject & { rules: unknown };
    assert.deepEqual(role.rules, readerRules, 'the script grants what horizon create-remote-secret grants');

    const gwPort = (c2.get('v1', 'Service', 'istio-system', 'istio-eastwestgateway') as unknown as { spec: { ports: Array<{ name: string; nodePort: number }> } }).spec.ports.find((p) => p.name === 'tls')!.nodePort;
    const gateways = [`172.18.2.1:${gwPort}`, `172.18.2.2:${gwPort}`];
    await waitFor(() => addresses().length === 3, 'cluster2 through its NodePort gateway on both nodes', { timeoutMs: 30_000 });
    assert.deepEqual(addresses(), [v1, ...gateways].sort());
    const cluster2 = () => horizon!.clusterStatuses().find((c) => c.id === 'cluster2');
    await waitFor(() => cluster2()?.syncStatus === 'synced', 'cluster2 synced (every informer listed with the reader token)', { timeoutMs: 20_000 });

    // Run again: the Secret is replaced in place (same reader token): the same connection carries on
    // (with a gap between replace and label, Horizon would have dropped and re-created it).
    const source = () => horizon!.registry.clusters().find((c) => c.id === 'cluster2')?.source;
    const statusOf = (name: string) => horizon!.remoteSecrets.statuses().find((st) => st.secret.name === name);
    const before = source();
    const statusBefore = statusOf('istio-remote-secret-cluster2');
    assert.equal(statusBefore?.state, 'active');
    await ok('register-remote.sh', ['cluster1', 'cluster2', 'cluster2']);
    // Barrier: Secret events are handled in order, so once a Secret created after the script's
    // changes is reported refused, those changes have been handled too.
    c1.create(secretObject('barrier', { barrier: '' }));
    await waitFor(() => statusOf('barrier')?.state === 'refused', 'the barrier Secret handled', { timeoutMs: 20_000 });
    assert.deepEqual(statusOf('istio-remote-secret-cluster2'), statusBefore, 'status (state, since) unchanged');
    assert.deepEqual(addresses(), [v1, ...gateways].sort());
    assert.equal(source(), before, 'the same connection: no rotation, no restart');
    assert.equal(cluster2()?.syncStatus, 'synced');
  });
});
