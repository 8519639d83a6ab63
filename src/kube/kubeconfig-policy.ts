// Decides whether a kubeconfig that arrived in a remote-cluster Secret may be used, and turns it into
// a client-node KubeConfig. Errors name the problem and where it is, never the content: a kubeconfig
// carries credentials, so no value from it (and no parser excerpt of it) may reach an error message.
// Errors say what is wrong, not what is done about it: the caller says "refused" and what it kept.
//
// The KubeConfig is built from the very values checked here (one parse), never by handing the text to
// client-node again: a second parser reads some documents differently (merge keys, duplicate keys),
// which would let a Secret show this check one user and client-node another. For the same reason only
// the fields this file knows are passed on; client-node would otherwise read `token-file` from the
// local disk while loading.
import { readFileSync } from 'node:fs';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { limitExceeded } from '../limits.js';
import { deniedHost, type ApiServerAddressPolicy } from './api-server-address.js';
import { parseBoundedYaml, toBoundedJs, type YamlProblem } from '../util/bounded-yaml.js';

export interface KubeconfigPolicy extends Partial<ApiServerAddressPolicy> {
  /** Accept exec plugins, auth providers other than oidc and references to local files. */
  allowInsecure: boolean;
  /** Bytes of kubeconfig text accepted (limits.kubeconfigBytes); default 256 KiB. */
  maxBytes?: number;
}

export type KubeconfigCheck =
  | { ok: true; kubeConfig: KubeConfig; server: string; context: string }
  | { ok: false; error: string };

type Json = Record<string, unknown>;

const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A kubeconfig is a handful of maps a few levels deep (about ten in the parser's terms) and a few hundred
 * tokens: far more than that is not one. Merge keys are read as kubectl reads them.
 */
const KUBECONFIG_YAML = { maxDepth: 32, maxAliases: 64, maxTokens: 20_000, mergeKeys: true } as const;
/** Nodes each alias may expand to when the kubeconfig is converted to plain values. */
const MAX_ALIAS_EXPANSION = 100;
const DEFAULT_MAX_BYTES = 256 * 1024;
const INSECURE_HINT = 'allowed with --allow-insecure-kubeconfig';

/** Fields of a kubeconfig user / cluster that make client code read local files. */
const localFileFields: Array<{ section: 'user' | 'cluster'; field: string; what: string }> = [
  { section: 'user', field: 'tokenFile', what: 'a token file' },
  { section: 'user', field: 'token-file', what: 'a token file' },
  { section: 'user', field: 'client-certificate', what: 'a client certificate file' },
  { section: 'user', field: 'client-key', what: 'a client key file' },
  { section: 'cluster', field: 'certificate-authority', what: 'a certificate authority file' },
];

function findNamed(list: unknown, name: string): Json | undefined {
  if (!Array.isArray(list)) return undefined;
  return list.find((e): e is Json => isMap(e) && e.name === name);
}

class Refusal {
  constructor(readonly error: string) {}
}

/** The string at `holder[field]`, undefined when absent; anything else is refused, naming the field. */
function optionalString(holder: Json, field: string, owner: string): string | undefined {
  const v = holder[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Refusal(`kubeconfig ${owner} field ${field} is not a string`);
  return v;
}

function checkUrl(text: string, owner: string, field: string, policy: KubeconfigPolicy, schemes: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Refusal(`kubeconfig ${owner} has no valid ${field} URL`);
  }
  if (!schemes.includes(url.protocol)) throw new Refusal(`kubeconfig ${owner} ${field} must be ${schemes.map((s) => s.slice(0, -1)).join(' or ')}`);
  const denied = deniedHost(url.hostname, { allowLinkLocal: policy.allowLinkLocal ?? false, ...(policy.extraDenied ? { extraDenied: policy.extraDenied } : {}) });
  if (denied) throw new Refusal(`kubeconfig ${owner} ${field}: ${denied}`);
  return url;
}

/**
 * Parse and vet a kubeconfig. Only the current context (or the single context, when there is exactly
 * one) is looked at, because that is the only one Horizon will use. Never throws.
 */
export function checkKubeconfig(text: string, policy: KubeconfigPolicy): KubeconfigCheck {
  try {
    return check(text, policy);
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: err.error };
    // Nothing from the text: an unforeseen failure is named by its kind only.
    return { ok: false, error: `kubeconfig could not be checked (${err instanceof Error ? err.name : typeof err})` };
  }
}

function check(text: string, policy: KubeconfigPolicy): KubeconfigCheck {
  if (typeof text !== 'string') return { ok: false, error: 'kubeconfig is not text' };
  const maxBytes = policy.maxBytes ?? DEFAULT_MAX_BYTES;
  const parsed = parseBoundedYaml(text, { maxBytes, ...KUBECONFIG_YAML });
  if (!parsed.ok) return { ok: false, error: yamlError(parsed.problems[0]!, maxBytes) };
  if (text.trim() === '') return { ok: false, error: 'kubeconfig is empty' };
  const plain = toBoundedJs(parsed.doc, MAX_ALIAS_EXPANSION);
  if (!plain.ok) return { ok: false, error: yamlError(plain.problem, maxBytes) };
  const obj = plain.value;
  if (!isMap(obj)) return { ok: false, error: 'kubeconfig is not a YAML map' };
  if (obj.kind !== undefined && obj.kind !== 'Config') return { ok: false, error: 'kubeconfig kind is not Config' };

  const contexts = Array.isArray(obj.contexts) ? obj.contexts.filter(isMap) : [];
  const current = obj['current-context'];
  if (current !== undefined && current !== null && typeof current !== 'string') return { ok: false, error: 'kubeconfig current-context is not a string' };
  let contextName = current ?? '';
  if (contextName === '') {
    if (contexts.length !== 1) return { ok: false, error: 'kubeconfig has no current-context and not exactly one context' };
    const only = contexts[0]!.name;
    if (typeof only !== 'string') return { ok: false, error: 'kubeconfig context name is not a string' };
    contextName = only;
  }
  const context = findNamed(contexts, contextName);
  if (!context || !isMap(context.context)) return { ok: false, error: `kubeconfig context "${contextName}" is not defined` };
  const contextOwner = `context "${contextName}"`;
  const clusterName = optionalString(context.context, 'cluster', contextOwner) ?? '';
  const userName = optionalString(context.context, 'user', contextOwner) ?? '';
  const namespace = optionalString(context.context, 'namespace', contextOwner);
  const clusterEntry = findNamed(obj.clusters, clusterName);
  if (!clusterEntry || !isMap(clusterEntry.cluster)) {
    return { ok: false, error: `kubeconfig context "${contextName}" names cluster "${clusterName}", which is not defined` };
  }
  const clusterOwner = `cluster "${clusterName}"`;
  const cluster = clusterEntry.cluster;
  const server = optionalString(cluster, 'server', clusterOwner) ?? '';
  const url = checkUrl(server, clusterOwner, 'server', policy, ['http:', 'https:']);
  const skipTLSVerify = cluster['insecure-skip-tls-verify'];
  if (skipTLSVerify !== undefined && skipTLSVerify !== null && typeof skipTLSVerify !== 'boolean') {
    return { ok: false, error: `kubeconfig ${clusterOwner} field insecure-skip-tls-verify is not true or false` };
  }
  // client-node refuses plain http unless TLS verification is off: say so now, not on every retry.
  if (url.protocol === 'http:' && skipTLSVerify !== true) {
    return { ok: false, error: `kubeconfig ${clusterOwner} server is http without insecure-skip-tls-verify: true` };
  }
  const proxyUrl = optionalString(cluster, 'proxy-url', clusterOwner);
  if (proxyUrl !== undefined) checkUrl(proxyUrl, clusterOwner, 'proxy-url', policy, ['http:', 'https:', 'socks:', 'socks4:', 'socks5:', 'socks5h:']);

  const userEntry = userName === '' ? undefined : findNamed(obj.users, userName);
  if (userName !== '' && (!userEntry || !isMap(userEntry.user))) {
    return { ok: false, error: `kubeconfig context "${contextName}" names user "${userName}", which is not defined` };
  }
  const user: Json = userEntry && isMap(userEntry.user) ? userEntry.user : {};
  const userOwner = `user "${userName}"`;

  const authProvider = user['auth-provider'];
  if (authProvider !== undefined && authProvider !== null && !isMap(authProvider)) return { ok: false, error: `kubeconfig ${userOwner} auth-provider is not a map` };
  const providerName = isMap(authProvider) ? (optionalString(authProvider, 'name', `${userOwner} auth-provider`) ?? '') : '';
  if (!policy.allowInsecure) {
    if (user.exec !== undefined && user.exec !== null) return { ok: false, error: `kubeconfig ${userOwner} uses an exec plugin (${INSECURE_HINT})` };
    if (isMap(authProvider) && providerName !== 'oidc') {
      return { ok: false, error: `kubeconfig ${userOwner} uses auth provider "${providerName}" (only oidc is allowed; others are ${INSECURE_HINT})` };
    }
    for (const { section, field, what } of localFileFields) {
      const holder = section === 'user' ? user : cluster;
      if (typeof holder[field] === 'string' && holder[field] !== '') {
        const owner = section === 'user' ? userOwner : clusterOwner;
        return { ok: false, error: `kubeconfig ${owner} reads ${what} from the local disk (${field}; ${INSECURE_HINT})` };
      }
    }
  }
  // The oidc provider refreshes tokens at its issuer: the same addresses are refused there.
  if (isMap(authProvider) && providerName === 'oidc' && isMap(authProvider.config)) {
    const issuer = optionalString(authProvider.config, 'idp-issuer-url', `${userOwner} auth-provider config`);
    if (issuer !== undefined) checkUrl(issuer, `${userOwner} auth-provider`, 'idp-issuer-url', policy, ['http:', 'https:']);
  }

  const kubeCluster: Cluster = {
    name: clusterName,
    server: server.replace(/\/$/, ''),
    skipTLSVerify: skipTLSVerify === true,
    ...defined('caData', optionalString(cluster, 'certificate-authority-data', clusterOwner)),
    ...defined('tlsServerName', optionalString(cluster, 'tls-server-name', clusterOwner)),
    ...defined('proxyUrl', proxyUrl),
    ...(policy.allowInsecure ? defined('caFile', optionalString(cluster, 'certificate-authority', clusterOwner)) : {}),
  };
  const effectiveUser = userName === '' ? `${contextName}-anonymous` : userName;
  const kubeUser: User = {
    name: effectiveUser,
    ...defined('token', optionalString(user, 'token', userOwner) ?? (policy.allowInsecure ? tokenFromFile(user, userOwner) : undefined)),
    ...defined('certData', optionalString(user, 'client-certificate-data', userOwner)),
    ...defined('keyData', optionalString(user, 'client-key-data', userOwner)),
    ...defined('username', optionalString(user, 'username', userOwner)),
    ...defined('password', optionalString(user, 'password', userOwner)),
    ...defined('impersonateUser', optionalString(user, 'as', userOwner)),
    ...(isMap(authProvider) ? { authProvider } : {}),
    ...(policy.allowInsecure && isMap(user.exec) ? { exec: user.exec } : {}),
    ...(policy.allowInsecure ? defined('certFile', optionalString(user, 'client-certificate', userOwner)) : {}),
    ...(policy.allowInsecure ? defined('keyFile', optionalString(user, 'client-key', userOwner)) : {}),
  };
  const kubeContext: Context = { name: contextName, cluster: clusterName, user: effectiveUser, ...defined('namespace', namespace) };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({ clusters: [kubeCluster], users: [kubeUser], contexts: [kubeContext], currentContext: contextName });
  return { ok: true, kubeConfig, server: url.origin + url.pathname.replace(/\/$/, ''), context: contextName };
}

/** A YAML problem in this file's words (the reasons quote nothing of the text). */
function yamlError(problem: YamlProblem, maxBytes: number): string {
  switch (problem.kind) {
    case 'too-big':
      return `kubeconfig is too large: ${limitExceeded('kubeconfigBytes', maxBytes, problem.bytes)}`;
    case 'too-deep':
      return `kubeconfig is nested more than ${KUBECONFIG_YAML.maxDepth} levels deep (at line ${problem.line})`;
    case 'too-many-tokens':
      return `kubeconfig has more than ${KUBECONFIG_YAML.maxTokens} YAML tokens (near line ${problem.line})`;
    case 'too-many-aliases':
      return `kubeconfig has more than ${KUBECONFIG_YAML.maxAliases} YAML aliases (at line ${problem.line})`;
    case 'alias-expansion':
      return 'kubeconfig expands its YAML aliases too much';
    case 'unreadable':
      return `kubeconfig: ${problem.reason}`;
    default: {
      const where = problem.line > 0 ? ` at line ${problem.line}, column ${problem.column}` : '';
      return `kubeconfig is not valid YAML (${problem.reason}${where})`;
    }
  }
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** With --allow-insecure-kubeconfig, `token-file` is read as client-node reads it (the operator allowed it). */
function tokenFromFile(user: Json, owner: string): string | undefined {
  const file = optionalString(user, 'token-file', owner);
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Refusal(`kubeconfig ${owner} token file could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
