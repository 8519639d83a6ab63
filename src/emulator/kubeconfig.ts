// Kubeconfig documents for emulated clusters: one cluster + user + context per entry, the cluster
// named after its ID. The server is https with the emulator's own certificate as CA (kubectl only
// sends bearer tokens over TLS); `insecureSkipTlsVerify` drops the CA for tools that cannot use it.
import { kubeconfigDocument } from '../kube/kubeconfig-document.js';

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
  return kubeconfigDocument(
    entries.map((e) => ({
      context: e.contextName,
      cluster: e.clusterName,
      user: e.user,
      server: e.server,
      token: e.token,
      ...(e.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : { certificateAuthorityData: Buffer.from(e.caCertificate).toString('base64') }),
    })),
    currentContext,
  );
}
