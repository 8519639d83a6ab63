// Horizon on the demo's emulated clusters, in-process: cluster1 (network1) is the primary; cluster2
// (network2) can be registered the way users do it, through a labelled Secret in cluster1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulatedClusters, type EmulatedCluster, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { startHorizon, type Horizon, type HorizonOptions } from '../../src/horizon.js';
import { remoteSecretObject } from '../../src/multicluster/remote-secret-manifest.js';
import type { AdsClient } from '../../src/xds/client/ads-client.js';
import type { DecodedClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const demoClusters = path.join(repoRoot, 'clusters/demo');
export const HELLO_HOST = 'helloworld.sample.svc.cluster.local';
export const HELLO_CLA = `outbound|5000||${HELLO_HOST}`;

export interface DemoMesh {
  set: EmulatedClusterSet;
  c1: EmulatedCluster;
  c2: EmulatedCluster;
  horizon: Horizon;
  dir: string;
  kubeconfigPath: string;
  /** Creates (or replaces) Secret istio-system/<name> in cluster1 holding cluster2's kubeconfig. */
  registerRemote(opts?: { secretName?: string; key?: string; kubeconfig?: string; label?: boolean }): void;
  close(): Promise<void>;
}

export function secretObject(name: string, data: Record<string, string>, labelled = true) {
  return remoteSecretObject({ name, namespace: 'istio-system', kubeconfigs: data, labelled });
}

export interface DemoMeshOptions extends Partial<HorizonOptions> {
  contexts?: string[];
  /** Runs after the clusters start and before Horizon does (e.g. to create Secrets or stop a cluster). */
  prepare?: (set: EmulatedClusterSet) => void | Promise<void>;
}

export async function startDemoMesh(demoOptions: DemoMeshOptions = {}): Promise<DemoMesh> {
  const { prepare, ...options } = demoOptions;
  const set = await startEmulatedClusters(demoClusters);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-demo-'));
  const kubeconfigPath = path.join(dir, 'kubeconfig');
  const text = set.kubeconfigYaml();
  await writeFile(kubeconfigPath, text, { mode: 0o600 });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(text);
  let horizon: Horizon;
  try {
    await prepare?.(set);
    horizon = await startHorizon({
      kubeConfig,
      contexts: options.contexts ?? ['cluster1'],
      xdsAddress: '127.0.0.1:0',
      remoteClusterTimeoutMs: 10_000,
      probeIntervalMs: 500,
      informerBackoff: { initialMs: 50, maxMs: 500 },
      pushQuietMs: 2,
      ...options,
    });
  } catch (err) {
    await set.stop();
    throw err;
  }
  const c1 = set.get('cluster1');
  const c2 = set.get('cluster2');
  return {
    set,
    c1,
    c2,
    horizon,
    dir,
    kubeconfigPath,
    registerRemote({ secretName = 'cluster2-secret', key = 'cluster2', kubeconfig, label = true } = {}) {
      const obj = secretObject(secretName, { [key]: kubeconfig ?? c2.kubeconfigYaml({ contextName: 'cluster2' }) }, label);
      if (c1.get('v1', 'Secret', 'istio-system', secretName)) c1.delete('v1', 'Secret', 'istio-system', secretName);
      c1.create(obj);
    },
    async close() {
      await horizon.close();
      await set.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `address:port` of every endpoint in the ClusterLoadAssignment a client holds (helloworld's by default), sorted. */
export function claAddresses(client: AdsClient, clusterName: string = HELLO_CLA): string[] {
  const cla = client.resources(CLUSTER_LOAD_ASSIGNMENT_TYPE).get(clusterName)?.decoded?.value as DecodedClusterLoadAssignment | undefined;
  return (cla?.endpoints ?? []).flatMap((g) => g.lbEndpoints.map((e) => `${e.address}:${e.port}`)).sort();
}

interface PodLike {
  metadata: { name: string };
  status?: { podIP?: string };
}

/** The demo's helloworld pods in a cluster (of one version, if given): name and pod address. */
export function helloPods(c: EmulatedCluster, version?: string): { name: string; ip: string }[] {
  const labelSelector = version ? `app=helloworld,version=${version}` : 'app=helloworld';
  const pods = c.list('v1', 'Pod', { namespace: 'sample', labelSelector }) as unknown as PodLike[];
  return pods.map((p) => ({ name: p.metadata.name, ip: p.status!.podIP! }));
}

/** The first of them (the demo runs one helloworld pod per cluster). */
export function helloPod(c: EmulatedCluster, version?: string): { name: string; ip: string } {
  const pod = helloPods(c, version)[0];
  if (!pod) throw new Error(`no helloworld${version ? ` ${version}` : ''} pod in ${c.id}`);
  return pod;
}

/** The load-balancer address of the cluster's east-west gateway Service. */
export function gatewayIp(c: EmulatedCluster): string {
  const svc = c.get('v1', 'Service', 'istio-system', 'istio-eastwestgateway') as { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } };
  return svc.status!.loadBalancer!.ingress![0]!.ip!;
}
