// The provider plumbing that runs here even without Docker: selection by HORIZON_CLUSTERS, the k3s
// kubeconfig merge, and honest skip reasons (mocha pending) from the real-cluster providers.
import { strict as assert } from 'node:assert';
import { KubeConfig } from '@kubernetes/client-node';
import { mergeKubeconfigs } from './providers/k3s.js';
import { providers, selectedProviders } from './providers/index.js';

const k3sKubeconfig = (port: number, token: string) => `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E${port}
    server: https://localhost:${port}
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Y2VydA==
    client-key-data: ${token}
`;

describe('e2e cluster providers', () => {
  it('are chosen with HORIZON_CLUSTERS, emulated and kwok by default; a typo is an error, not a silent default', () => {
    const names = (env: NodeJS.ProcessEnv) => selectedProviders(env).map((p) => p.name);
    assert.deepEqual(names({}), ['emulated', 'kwok']);
    assert.deepEqual(names({ HORIZON_CLUSTERS: 'kind' }), ['kind']);
    assert.deepEqual(names({ HORIZON_CLUSTERS: 'kwok, k3s' }), ['kwok', 'k3s']);
    assert.throws(() => selectedProviders({ HORIZON_CLUSTERS: 'kinds' }), /HORIZON_CLUSTERS=kinds is not a cluster provider \(have: emulated, kwok, kind, k3s\)/);
  });

  it('merge the two K3s kubeconfigs (both named "default") into one with a context per cluster', () => {
    const merged = new KubeConfig();
    merged.loadFromString(mergeKubeconfigs([
      { context: 'k3s-cluster1', yaml: k3sKubeconfig(30001, 'a2V5MQ==') },
      { context: 'k3s-cluster2', yaml: k3sKubeconfig(30002, 'a2V5Mg==') },
    ]));
    assert.deepEqual(merged.getContexts().map((c) => c.name), ['k3s-cluster1', 'k3s-cluster2']);
    merged.setCurrentContext('k3s-cluster2');
    assert.equal(merged.getCurrentCluster()!.server, 'https://localhost:30002');
    assert.equal(merged.getCurrentUser()!.keyData, 'a2V5Mg==');
  });

  // One test per real-cluster provider: where it cannot run it is reported pending (with the reason
  // printed), never counted as a pass.
  for (const name of ['kind', 'k3s']) {
    it(`${name} clusters can be provisioned here (HORIZON_CLUSTERS=${name} npm test runs every e2e flow on them)`, async function () {
      this.timeout(30_000);
      const reason = await providers[name]!.unavailable();
      if (reason !== undefined) {
        assert.match(reason, /kind|Docker|docker|container runtime|kubeconfig|context|kubectl/, 'the reason names what is missing');
        console.log(`    ${name} not available: ${reason}`);
        this.skip();
      }
    });
  }
});
