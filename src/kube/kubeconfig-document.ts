// A kubeconfig document with bearer-token users, one cluster + user + context per entry: what the
// emulator hands to tools and tests, and what a remote-cluster Secret carries.
import { stringify } from 'yaml';

export interface KubeconfigDocumentEntry {
  context: string;
  cluster: string;
  user: string;
  server: string;
  token: string;
  /** base64 PEM of the cluster's CA; absent when there is none to check against. */
  certificateAuthorityData?: string;
  /** client-node refuses an http server unless this is set; also for clusters without a usable CA. */
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
}

export function kubeconfigDocument(entries: readonly KubeconfigDocumentEntry[], currentContext = entries[0]?.context ?? ''): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: entries.map((e) => ({
      name: e.cluster,
      cluster: {
        server: e.server,
        ...(e.certificateAuthorityData ? { 'certificate-authority-data': e.certificateAuthorityData } : {}),
        ...(e.insecureSkipTlsVerify ? { 'insecure-skip-tls-verify': true } : {}),
        ...(e.tlsServerName ? { 'tls-server-name': e.tlsServerName } : {}),
      },
    })),
    users: entries.map((e) => ({ name: e.user, user: { token: e.token } })),
    contexts: entries.map((e) => ({ name: e.context, context: { cluster: e.cluster, user: e.user } })),
    'current-context': currentContext,
  });
}
