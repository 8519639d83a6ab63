// The operator's kubeconfig: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else (inside a
// pod) the service account Kubernetes mounts. Errors say which file and what to do.
//
// In a pod, the API server is $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT and the credentials
// are the files `token`, `ca.crt` and `namespace` of the service-account directory, by default
// /var/run/secrets/kubernetes.io/serviceaccount; $HORIZON_SERVICEACCOUNT_DIR names another one (a
// projected volume mounted elsewhere, or a test). The token file is re-read as client-node does
// (every minute), so rotated projected tokens keep working.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { hostPort } from '../util/host-port.js';

export const DEFAULT_SERVICEACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICEACCOUNT_DIR_ENV = 'HORIZON_SERVICEACCOUNT_DIR';
export const IN_CLUSTER_CONTEXT = 'in-cluster';

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** Where it came from, for messages. */
  source: string;
  inCluster: boolean;
  /** In a pod: the namespace the pod runs in (the service account's). */
  namespace?: string;
}

/** Where to look; the process's own environment and home directory unless a test says otherwise. */
export interface KubeconfigSearch {
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/**
 * The in-cluster configuration from a service-account directory: the same shape client-node's
 * loadFromCluster() builds, but from any directory (loadFromCluster only takes a path prefix).
 */
export function inClusterKubeConfig(env: NodeJS.ProcessEnv = process.env): { kubeConfig: KubeConfig; dir: string; namespace?: string } {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const dir = env[SERVICEACCOUNT_DIR_ENV] || DEFAULT_SERVICEACCOUNT_DIR;
  if (host === '') throw new Error('not running in a cluster: KUBERNETES_SERVICE_HOST is not set');
  const tokenFile = join(dir, 'token');
  const caFile = join(dir, 'ca.crt');
  if (!existsSync(tokenFile)) {
    throw new Error(
      `KUBERNETES_SERVICE_HOST is set but there is no service account token at ${tokenFile}: mount one (automountServiceAccountToken: true) or set ${SERVICEACCOUNT_DIR_ENV}`,
    );
  }
  if (!existsSync(caFile)) throw new Error(`service account directory ${dir} has a token but no ca.crt`);
  const namespaceFile = join(dir, 'namespace');
  const namespace = existsSync(namespaceFile) ? readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const server = `https://${hostPort(host, port)}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: IN_CLUSTER_CONTEXT, server, caFile, skipTLSVerify: false }],
    users: [{ name: IN_CLUSTER_CONTEXT, authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: IN_CLUSTER_CONTEXT, cluster: IN_CLUSTER_CONTEXT, user: IN_CLUSTER_CONTEXT, ...(namespace ? { namespace } : {}) }],
    currentContext: IN_CLUSTER_CONTEXT,
  });
  return { kubeConfig, dir, ...(namespace ? { namespace } : {}) };
}

export function loadOperatorKubeconfig(file: string | undefined, search: KubeconfigSearch = {}): LoadedKubeconfig {
  const env = search.env ?? process.env;
  const home = search.home ?? homedir();
  const candidates = file ? [file] : [...(env.KUBECONFIG?.split(':').filter(Boolean) ?? []), join(home, '.kube', 'config')];
  const path = candidates.find((p) => existsSync(p));
  if (file && !path) throw new Error(`kubeconfig ${file} does not exist`);
  if (path) {
    const kubeConfig = new KubeConfig();
    try {
      kubeConfig.loadFromFile(path);
    } catch (err) {
      throw new Error(`kubeconfig ${path} cannot be loaded: ${(err as Error).message}`);
    }
    return { kubeConfig, source: path, inCluster: false };
  }
  if (env.KUBERNETES_SERVICE_HOST) {
    const { kubeConfig, dir, namespace } = inClusterKubeConfig(env);
    return { kubeConfig, source: `in-cluster service account (${dir})`, inCluster: true, ...(namespace ? { namespace } : {}) };
  }
  throw new Error('no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster');
}

/** A KubeConfig for one context of the operator's kubeconfig; a clear error when it is not there. */
export function kubeConfigForContext(base: KubeConfig, context: string, where: string): KubeConfig {
  const names = base.getContexts().map((c) => c.name);
  if (!names.includes(context)) {
    throw new Error(`context "${context}" is not in ${where} (it has: ${names.join(', ') || 'no contexts'})`);
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: base.clusters, users: base.users, contexts: base.contexts, currentContext: context });
  return kc;
}
