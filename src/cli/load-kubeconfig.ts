// The operator's kubeconfig: --kubeconfig, else $KUBECONFIG, else ~/.kube/config, else (inside a
// pod) the service account Kubernetes mounts. Errors say which file and what to do.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig;
  /** Where it came from, for messages. */
  source: string;
  inCluster: boolean;
}

export function loadOperatorKubeconfig(file: string | undefined): LoadedKubeconfig {
  const candidates = file ? [file] : [...(process.env.KUBECONFIG?.split(':').filter(Boolean) ?? []), join(homedir(), '.kube', 'config')];
  const path = candidates.find((p) => existsSync(p));
  if (file && !path) throw new Error(`kubeconfig ${file} does not exist`);
  const kubeConfig = new KubeConfig();
  if (path) {
    try {
      kubeConfig.loadFromFile(path);
    } catch (err) {
      throw new Error(`kubeconfig ${path} cannot be loaded: ${(err as Error).message}`);
    }
    return { kubeConfig, source: path, inCluster: false };
  }
  if (process.env.KUBERNETES_SERVICE_HOST) {
    kubeConfig.loadFromCluster();
    return { kubeConfig, source: 'in-cluster service account', inCluster: true };
  }
  throw new Error('no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG, or run inside a cluster');
}
