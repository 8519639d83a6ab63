// Decides whether a kubeconfig that arrived in a remote-cluster Secret may be used, and turns it into
// a client-node KubeConfig. Errors name the problem and where it is, never the content: a kubeconfig
// carries credentials, so no value from it (and no parser excerpt of it) may reach an error message.
import { KubeConfig } from '@kubernetes/client-node';
import { LineCounter, parseDocument } from 'yaml';

export interface KubeconfigPolicy {
  /** Accept exec plugins, auth providers other than oidc and references to local files. */
  allowInsecure: boolean;
}

export type KubeconfigCheck =
  | { ok: true; kubeConfig: KubeConfig; server: string; context: string }
  | { ok: false; error: string };

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fields of a kubeconfig user / cluster that make client code read local files or run programs. */
const localFileFields: Array<{ section: 'user' | 'cluster'; field: string; what: string }> = [
  { section: 'user', field: 'tokenFile', what: 'a token file' },
  { section: 'user', field: 'client-certificate', what: 'a client certificate file' },
  { section: 'user', field: 'client-key', what: 'a client key file' },
  { section: 'cluster', field: 'certificate-authority', what: 'a certificate authority file' },
];

function findNamed(list: unknown, name: string): Json | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((e): e is Json => isMap(e) && e.name === name);
}

/**
 * Parse and vet a kubeconfig. Only the current context (or the single context, when there is exactly
 * one) is looked at, because that is the only one Horizon will use.
 */
export function checkKubeconfig(text: string, policy: KubeconfigPolicy): KubeconfigCheck {
  if (text.trim() === '') return { ok: false, error: 'kubeconfig is empty' };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    // yaml's messages quote source text; only the error code and position are safe to report.
    return { ok: false, error: `kubeconfig is not valid YAML (${first.code} at line ${pos.line}, column ${pos.col})` };
  }
  const obj: unknown = doc.toJS();
  if (!isMap(obj)) return { ok: false, error: 'kubeconfig is not a YAML map' };
  if (obj.kind !== undefined && obj.kind !== 'Config') return { ok: false, error: 'kubeconfig kind is not Config' };

  const contexts = Array.isArray(obj.contexts) ? obj.contexts.filter(isMap) : [];
  let contextName = typeof obj['current-context'] === 'string' ? obj['current-context'] : '';
  if (contextName === '') {
    if (contexts.length !== 1) return { ok: false, error: 'kubeconfig has no current-context and not exactly one context' };
    contextName = String(contexts[0]!.name ?? '');
  }
  const context = findNamed(contexts, contextName);
  if (!context || !isMap(context.context)) return { ok: false, error: `kubeconfig context "${contextName}" is not defined` };
  const clusterName = String(context.context.cluster ?? '');
  const userName = String(context.context.user ?? '');
  const clusterEntry = findNamed(obj.clusters, clusterName);
  if (!clusterEntry || !isMap(clusterEntry.cluster)) {
    return { ok: false, error: `kubeconfig context "${contextName}" names cluster "${clusterName}", which is not defined` };
  }
  const cluster = clusterEntry.cluster;
  const server = typeof cluster.server === 'string' ? cluster.server : '';
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return { ok: false, error: `kubeconfig cluster "${clusterName}" has no valid server URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, error: `kubeconfig cluster "${clusterName}" server must be http or https` };
  }
  const userEntry = userName === '' ? undefined : findNamed(obj.users, userName);
  if (userName !== '' && (!userEntry || !isMap(userEntry.user))) {
    return { ok: false, error: `kubeconfig context "${contextName}" names user "${userName}", which is not defined` };
  }
  const user: Json = userEntry && isMap(userEntry.user) ? userEntry.user : {};

  if (!policy.allowInsecure) {
    if (user.exec !== undefined) return { ok: false, error: `kubeconfig user "${userName}" uses an exec plugin, refused` };
    if (user['auth-provider'] !== undefined) {
      const provider = isMap(user['auth-provider']) ? String(user['auth-provider'].name ?? '') : '';
      if (provider !== 'oidc') {
        return { ok: false, error: `kubeconfig user "${userName}" uses auth provider "${provider}", refused (only oidc is allowed)` };
      }
    }
    for (const { section, field, what } of localFileFields) {
      const holder = section === 'user' ? user : cluster;
      if (typeof holder[field] === 'string' && holder[field] !== '') {
        const owner = section === 'user' ? `user "${userName}"` : `cluster "${clusterName}"`;
        return { ok: false, error: `kubeconfig ${owner} reads ${what} from the local disk (${field}), refused` };
      }
    }
  }

  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
    kubeConfig.setCurrentContext(contextName);
  } catch {
    return { ok: false, error: 'kubeconfig could not be loaded' };
  }
  return { ok: true, kubeConfig, server: url.origin + url.pathname.replace(/\/$/, ''), context: contextName };
}
