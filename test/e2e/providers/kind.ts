// kind clusters made beforehand by scripts/kind-up.sh (contexts kind-cluster1 / kind-cluster2 in the
// user's kubeconfig). The provider starts nothing; it checks they are there and reachable, and takes
// the remote Secrets kind-up.sh created out of the way for the run (the suite registers cluster2
// itself), putting them back afterwards.
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { run, runOk } from '../../support/exec.js';
import type { ClusterProvider, ClusterRef, ProvisionedClusters } from './provider.js';

const PRIMARY = 'kind-cluster1';
const REMOTE = 'kind-cluster2';

function kubeconfigPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [...(env.KUBECONFIG?.split(':').filter(Boolean) ?? []), path.join(os.homedir(), '.kube', 'config')];
  return candidates.find((p) => existsSync(p));
}

async function network(kubeconfig: string, context: string): Promise<string> {
  const out = await runOk('kubectl', ['--kubeconfig', kubeconfig, '--context', context, 'get', 'namespace', 'istio-system', '-o', 'jsonpath={.metadata.labels.topology\\.istio\\.io/network}']);
  if (!out.trim()) throw new Error(`namespace istio-system of ${context} has no topology.istio.io/network label: run scripts/kind-up.sh`);
  return out.trim();
}

export const kindProvider: ClusterProvider = {
  name: 'kind',
  async unavailable() {
    if ((await run('kind', ['version'])).code !== 0) return 'the kind binary is not installed (https://kind.sigs.k8s.io)';
    if ((await run('docker', ['info'], { timeoutMs: 20_000 })).code !== 0) return 'no Docker daemon is reachable (docker info failed)';
    const file = kubeconfigPath();
    if (!file) return 'no kubeconfig ($KUBECONFIG or ~/.kube/config): run scripts/kind-up.sh first';
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    const names = kc.getContexts().map((c) => c.name);
    const missing = [PRIMARY, REMOTE].filter((c) => !names.includes(c));
    if (missing.length) return `kubeconfig ${file} has no context ${missing.join(', ')}: run scripts/kind-up.sh first`;
    for (const context of [PRIMARY, REMOTE]) {
      if ((await run('kubectl', ['--kubeconfig', file, '--context', context, 'get', '--raw', '/version'], { timeoutMs: 20_000 })).code !== 0) {
        return `cluster of context ${context} does not answer (is its kind container running?)`;
      }
    }
    return undefined;
  },
  async provision(): Promise<ProvisionedClusters> {
    const kubeconfig = kubeconfigPath()!;
    const primary: ClusterRef = { context: PRIMARY, clusterId: 'cluster1', network: await network(kubeconfig, PRIMARY) };
    const remote: ClusterRef = { context: REMOTE, clusterId: 'cluster2', network: await network(kubeconfig, REMOTE) };
    const kp = (args: string[], input?: string) => runOk('kubectl', ['--kubeconfig', kubeconfig, '--context', PRIMARY, '-n', 'istio-system', ...args], input !== undefined ? { input } : {});
    // Kept in memory only: these Secrets hold credentials.
    const list = JSON.parse(await kp(['get', 'secrets', '-l', 'istio/multiCluster=true', '-o', 'json'])) as { items: Array<{ metadata: Record<string, unknown> }> };
    const saved = list.items.map((s) => {
      const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, ...metadata } = s.metadata;
      return { ...s, metadata };
    });
    if (saved.length) await kp(['delete', 'secrets', '-l', 'istio/multiCluster=true']);
    return {
      kubeconfig,
      primary,
      remote,
      cleanup: async () => {
        if (saved.length) await kp(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: saved }));
      },
    };
  },
};
