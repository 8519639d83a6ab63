// Two K3s clusters in containers (testcontainers' K3s module), prepared with the same script and
// manifests as the kind clusters (scripts/prepare-cluster.sh) and nothing else. Needs a Docker daemon
// (or another runtime testcontainers finds) and kubectl; the image is pulled on first use
// (HORIZON_K3S_IMAGE overrides it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StartedK3sContainer } from '@testcontainers/k3s';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../../support/demo-mesh.js';
import { run, runOk } from '../../support/exec.js';
import type { ClusterProvider, ClusterRef, ProvisionedClusters } from './provider.js';

const DEFAULT_IMAGE = 'rancher/k3s:v1.31.2-k3s1';

interface KubeconfigDoc {
  clusters: Array<{ name: string; cluster: Record<string, unknown> }>;
  users: Array<{ name: string; user: Record<string, unknown> }>;
  contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
}

/** One kubeconfig from each container's (all named `default`), renamed to the context given. */
export function mergeKubeconfigs(entries: ReadonlyArray<{ context: string; yaml: string }>): string {
  const out = { apiVersion: 'v1', kind: 'Config', clusters: [] as unknown[], users: [] as unknown[], contexts: [] as unknown[], 'current-context': entries[0]?.context ?? '' };
  for (const { context, yaml } of entries) {
    const doc = parse(yaml) as KubeconfigDoc;
    const current = doc.contexts[0]!.context;
    out.clusters.push({ name: context, cluster: doc.clusters.find((c) => c.name === current.cluster)!.cluster });
    out.users.push({ name: context, user: doc.users.find((u) => u.name === current.user)!.user });
    out.contexts.push({ name: context, context: { cluster: context, user: context } });
  }
  return stringify(out);
}

/** Distinct pod / service ranges and topology labels per cluster, as in clusters/kind/. */
function serverArgs(i: number): string[] {
  return [
    'server',
    '--disable=traefik',
    `--cluster-cidr=10.${i}0.0.0/16`,
    `--service-cidr=10.${i}1.0.0/16`,
    `--cluster-dns=10.${i}1.0.10`,
    `--node-label=topology.kubernetes.io/region=region${i}`,
    `--node-label=topology.kubernetes.io/zone=region${i}-zone-a`,
  ];
}

export const k3sProvider: ClusterProvider = {
  name: 'k3s',
  async unavailable() {
    if ((await run('kubectl', ['version', '--client'])).code !== 0) return 'kubectl is not installed';
    const { getContainerRuntimeClient } = await import('testcontainers');
    try {
      await getContainerRuntimeClient();
    } catch (err) {
      return `no container runtime for testcontainers (${(err as Error).message}): start Docker`;
    }
    return undefined;
  },
  async provision(): Promise<ProvisionedClusters> {
    const { K3sContainer } = await import('@testcontainers/k3s');
    const image = process.env.HORIZON_K3S_IMAGE ?? DEFAULT_IMAGE;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-e2e-k3s-'));
    const started: StartedK3sContainer[] = [];
    const cleanup = async () => {
      await Promise.allSettled(started.map((c) => c.stop()));
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const results = await Promise.allSettled([1, 2].map((i) => new K3sContainer(image).withCommand(serverArgs(i)).start()));
      for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      const kubeconfig = path.join(dir, 'kubeconfig');
      await writeFile(kubeconfig, mergeKubeconfigs(started.map((c, i) => ({ context: `k3s-cluster${i + 1}`, yaml: c.getKubeConfig() }))), { mode: 0o600 });
      const env = { ...process.env, KUBECONFIG: kubeconfig };
      const refs: ClusterRef[] = [1, 2].map((i) => ({ context: `k3s-cluster${i}`, clusterId: `cluster${i}`, network: `network${i}` }));
      for (const [i, ref] of refs.entries()) {
        await runOk('bash', [path.join(repoRoot, 'scripts/prepare-cluster.sh'), ref.context, ref.network, `cluster${i + 1}`], { env, timeoutMs: 600_000 });
      }
      // Container addresses are reachable from a Linux host only; pods are not.
      return { kubeconfig, primary: refs[0]!, remote: refs[1]!, cleanup };
    } catch (err) {
      await cleanup();
      throw err;
    }
  },
};
