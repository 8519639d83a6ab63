// Kubeconfig documents for emulated clusters: one cluster + user + context per entry, the cluster
// named after its ID. The server is https with the emulator's own certificate as CA (kubectl only
// sends bearer tokens over TLS); `insecureSkipTlsVerify` drops the CA for tools that cannot use it.
import { stringify } from 'yaml';

export interface KubeconfigEntry {
  /** Cluster and context name (the cluster ID unless told otherwise). */
  contextName: string;
  clusterName: string;
  user: string;
  server: string;
  token: string;
  /** PEM CA certificate. */
  caCertificate: string;
  insecureSkipTlsVerify?: boolean;
}

export function kubeconfigYaml(entries: readonly KubeconfigEntry[], currentContext?: string): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.clusterName,
      cluster: e.insecureSkipTlsVerify
        ? { server: e.server, 'insecure-skip-tls-verify': true }
        : { server: e.server, 'certificate-authority-data': Buffer.from(e.caCertificate).toString('base64') },
    })),
    users: entries.map((e) => ({ name: e.user, user: { token: e.token } })),
    contexts: entries.map((e) => ({ name: e.contextName, context: { cluster: e.clusterName, user: e.user } })),
    'current-context': currentContext ?? entries[0]?.contextName ?? '',
  };
  return stringify(doc);
}
