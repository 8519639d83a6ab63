// The one kubeconfig builder (kube/kubeconfig-document.ts) and the one remote-cluster Secret builder,
// as the CLI's manifest, the demo and the tests use them.
import { strict as assert } from 'node:assert';
import { parse } from 'yaml';
import { checkKubeconfig } from '../../src/kube/kubeconfig-policy.js';
import { remoteKubeconfig, remoteSecretManifest, remoteSecretObject } from '../../src/multicluster/remote-secret-manifest.js';

describe('multicluster/remote-secret-manifest', () => {
  const input = { clusterId: 'cluster2', server: 'https://10.0.0.1:6443', token: 'tok', namespace: 'istio-system' };

  it('the manifest is istioctl-shaped: name, annotation, label, stringData with a usable kubeconfig', () => {
    const text = remoteSecretManifest({ ...input, certificateAuthorityData: Buffer.from('PEM').toString('base64'), tlsServerName: 'kubernetes' });
    const secret = parse(text);
    assert.equal(secret.metadata.name, 'istio-remote-secret-cluster2');
    assert.deepEqual(secret.metadata.annotations, { 'networking.istio.io/cluster': 'cluster2' });
    assert.deepEqual(secret.metadata.labels, { 'istio/multiCluster': 'true' });
    assert.equal(secret.data, undefined);
    const kubeconfig = parse(secret.stringData.cluster2);
    assert.deepEqual(kubeconfig.clusters, [{ name: 'cluster2', cluster: { server: input.server, 'certificate-authority-data': 'UEVN', 'tls-server-name': 'kubernetes' } }]);
    assert.deepEqual(kubeconfig.users, [{ name: 'cluster2', user: { token: 'tok' } }]);
    assert.equal(kubeconfig['current-context'], 'cluster2');
    const checked = checkKubeconfig(secret.stringData.cluster2, { allowInsecure: false });
    assert.ok(checked.ok, JSON.stringify(checked));
    assert.equal(checked.server, input.server);
  });

  it('a server without CA data gets insecure-skip-tls-verify only when asked', () => {
    assert.deepEqual(parse(remoteKubeconfig({ ...input, server: 'http://127.0.0.1:1', insecureSkipTlsVerify: true })).clusters[0].cluster, {
      server: 'http://127.0.0.1:1',
      'insecure-skip-tls-verify': true,
    });
    assert.deepEqual(parse(remoteKubeconfig(input)).clusters[0].cluster, { server: input.server });
  });

  it('the Secret object: base64 data by default, label optional, no annotation unless a cluster is named', () => {
    const s = remoteSecretObject({ name: 'c2', namespace: 'istio-system', kubeconfigs: { cluster2: 'text' } });
    assert.deepEqual(s, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'c2', namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } },
      type: 'Opaque',
      data: { cluster2: Buffer.from('text').toString('base64') },
    });
    assert.equal(remoteSecretObject({ name: 'c2', namespace: 'istio-system', kubeconfigs: {}, labelled: false }).metadata.labels, undefined);
  });
});
