// `horizon create-remote-secret`: the Secret that registers a cluster with Horizon (or istiod), made
// from the operator's kubeconfig. The remote cluster gets a dedicated read-only service account and
// its long-lived token, as istioctl does; emulated clusters run a token controller too, so they take
// the same path.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../kube/rest.js';
import { ensureReaderToken } from './reader-account.js';
import { remoteSecretManifest } from './remote-secret-manifest.js';

export interface CreateRemoteSecretOptions {
  kubeConfig: KubeConfig;
  clusterId: string;
  /** Server URL the primary should use (default: the one in the kubeconfig). */
  server?: string;
  namespace: string;
}

/** Cluster IDs become Secret name suffixes and data keys. */
export function checkClusterId(id: string): string | undefined {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(id) || id.length > 63) {
    return `cluster ID "${id}" must be a DNS label: lowercase letters, digits and '-', at most 63 characters`;
  }
  return undefined;
}

export async function createRemoteSecret(options: CreateRemoteSecretOptions): Promise<string> {
  const bad = checkClusterId(options.clusterId);
  if (bad) throw new Error(bad);
  const kc = options.kubeConfig;
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig context "${kc.getCurrentContext()}" has no cluster`);
  const rest = new KubeRest(kc);
  try {
    await rest.request('/version', { timeoutMs: 10_000 });
  } catch (err) {
    throw new Error(`cluster ${cluster.server} (context "${kc.getCurrentContext()}") is not reachable: ${(err as Error).message}`);
  }
  const token = await ensureReaderToken(rest, options.namespace);
  // The Secret must stand alone on another machine: a CA file of the operator's is inlined.
  const caData = cluster.caData ?? (cluster.caFile ? readFileSync(cluster.caFile).toString('base64') : undefined);
  return remoteSecretManifest({
    clusterId: options.clusterId,
    server: options.server ?? cluster.server,
    ...(caData ? { certificateAuthorityData: caData } : {}),
    ...(cluster.skipTLSVerify || (!caData && (options.server ?? cluster.server).startsWith('http:')) ? { insecureSkipTlsVerify: true } : {}),
    ...(cluster.tlsServerName ? { tlsServerName: cluster.tlsServerName } : {}),
    token,
    namespace: options.namespace,
  });
}
