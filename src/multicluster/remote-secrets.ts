// Remote clusters registered at runtime through Secrets labelled istio/multiCluster=true in the
// primary's system namespace (the `kubectl create secret` + `kubectl label` flow, or the output of
// `horizon create-remote-secret`). Each data key is a cluster ID and its value a kubeconfig.
//
// Rules (istiod's, with its rotation and deletion defects fixed):
// - unchanged kubeconfig (same hash): nothing happens;
// - changed kubeconfig: make-before-break, the new connection must sync before it replaces the old,
//   so a rotation never empties the cluster's endpoints;
// - Secret deleted, label removed or key removed: that cluster alone is stopped and drained;
// - a bad kubeconfig or a conflicting cluster ID is refused with a reason recorded against the Secret
//   and key; the previous connection (if any) and every other cluster carry on;
// - a Secret beyond the limits (too many keys) or not shaped like one is refused as a whole, and
//   nothing it registered before changes.
// A key's value is remembered (by fingerprint) only once a decision about it has been recorded, so a
// relist shows the real reason, and nothing a Secret holds can throw past this controller.
// Secret contents never reach logs or errors: only names, keys and our own sanitised reasons.
// The Secrets watch belongs to the primary's connection (kube/kube-connection.ts): restarted with the
// cluster's own watches, and its failure shows against the primary.
import type { KubernetesObject } from '@kubernetes/client-node';
import { logger } from '../log.js';
import { MULTICLUSTER_SECRET_LABEL } from '../model/labels.js';
import type { ClusterId } from '../model/types.js';
import type { ClusterSource } from '../kube/cluster-source.js';
import type { KubeConnection, KubeWatch } from '../kube/kube-connection.js';
import { checkKubeconfig, type KubeconfigPolicy } from '../kube/kubeconfig-policy.js';
import { defaultLimits } from '../limits.js';
import type { Registry } from '../registry/registry.js';
import { LogSummary } from '../util/log-summary.js';
import { readSecretData, type SecretKey, type SecretLimits } from './secret-data.js';
import type { KubeConfig } from '@kubernetes/client-node';

export type RemoteClusterState = 'active' | 'rotating' | 'refused';

export interface RemoteClusterStatus {
  /** `key` is '' for a Secret refused as a whole (clusterId '' then too). */
  secret: { namespace: string; name: string; key: string };
  clusterId: ClusterId;
  state: RemoteClusterState;
  /** Why it was refused, or why a rotation has not completed. */
  error?: string;
  since: string;
}

export interface RemoteSecretOptions {
  /** The primary's API server connection: the Secrets watch is registered with it. */
  primary: Pick<KubeConnection, 'watch'>;
  primaryId: ClusterId;
  systemNamespace: string;
  registry: Registry;
  policy: KubeconfigPolicy;
  /** Keys per Secret and bytes per kubeconfig (default: limits.ts). */
  limits?: SecretLimits;
  /** Where repeated refusals are counted instead of logged one by one. */
  logs?: LogSummary;
  /** Builds (but does not start) a ClusterSource for a remote cluster. */
  createSource(id: ClusterId, kubeConfig: KubeConfig): ClusterSource;
  /** IDs registered by other means (kubeconfig contexts): a Secret may not claim them. */
  staticClusterIds: ReadonlySet<ClusterId>;
  /** Called for every refusal (bad kubeconfig, conflicting ID), e.g. to count them; must not throw. */
  onRefused?(event: { secret: { namespace: string; name: string; key: string }; reason: string }): void;
  /** Called after every Secret event, once statuses() may have changed (e.g. for the web view); must not throw. */
  onChanged?(): void;
}

interface Entry {
  secretKey: string; // ns/name
  secret: { namespace: string; name: string };
  key: string;
  /** Fingerprint of the value a decision was recorded for ('' before any, or to force a retry). */
  hash: string;
  state: RemoteClusterState;
  error?: string;
  since: string;
  /** The connection that is registered (active). */
  source?: ClusterSource;
  /** A newer connection waiting to sync before it replaces `source`. */
  pending?: { source: ClusterSource };
  /** Kubeconfig text kept only while refused for a conflict, so it can be retried when freed. */
  retryText?: string;
}

/** A Secret refused as a whole. */
interface SecretRefusal {
  secret: { namespace: string; name: string };
  error: string;
  since: string;
}

export class RemoteSecretController {
  private readonly log = logger('remote-secrets');
  /** `${secretNs}/${secretName}/${key}` -> entry */
  private readonly entries = new Map<string, Entry>();
  /** `${secretNs}/${secretName}` -> why the whole Secret is refused */
  private readonly refusedSecrets = new Map<string, SecretRefusal>();
  private readonly limits: SecretLimits;
  private readonly logs: LogSummary;
  private watch: KubeWatch<KubernetesObject> | undefined;

  constructor(private readonly opts: RemoteSecretOptions) {
    this.limits = opts.limits ?? { secretKeys: defaultLimits.secretKeys, kubeconfigBytes: defaultLimits.kubeconfigBytes };
    this.logs = opts.logs ?? new LogSummary();
  }

  /** Registers the Secrets watch with the primary's connection (it runs when the connection does). */
  start(): void {
    if (this.watch) return;
    const { primary, systemNamespace } = this.opts;
    this.watch = primary.watch<KubernetesObject>({
      owner: 'remote-secrets',
      path: `/api/v1/namespaces/${systemNamespace}/secrets`,
      labelSelector: `${MULTICLUSTER_SECRET_LABEL}=true`,
      handlers: {
        upsert: (s) => {
          this.onSecret(s);
          this.changed();
        },
        remove: (s) => {
          this.onSecretGone(s);
          this.changed();
        },
      },
    });
  }

  /** True once the Secrets have been listed (remote clusters known, maybe not yet synced). */
  get hasSynced(): boolean {
    return this.watch?.hasSynced ?? false;
  }

  stop(): void {
    this.watch?.close();
    this.watch = undefined;
    for (const e of this.entries.values()) this.drop(e);
    this.entries.clear();
    this.refusedSecrets.clear();
    if (!this.opts.logs) this.logs.close();
  }

  statuses(): RemoteClusterStatus[] {
    return [...this.entries.values()]
      .map((e) => {
        // An accepted kubeconfig whose server does not answer is reported against its Secret too.
        const connection =
          e.source && e.source.status !== 'synced' && e.source.lastError
            ? `secret ${e.secretKey} key ${e.key}: ${e.source.lastError}; retrying`
            : undefined;
        const error = e.error ?? connection;
        return { secret: { ...e.secret, key: e.key }, clusterId: e.key, state: e.state, ...(error ? { error } : {}), since: e.since };
      })
      .concat(
        [...this.refusedSecrets.values()].map((r) => ({ secret: { ...r.secret, key: '' }, clusterId: '', state: 'refused' as const, error: r.error, since: r.since })),
      )
      .sort((a, b) => `${a.secret.name}/${a.secret.key}`.localeCompare(`${b.secret.name}/${b.secret.key}`));
  }

  // ---- events ----------------------------------------------------------------------------------

  private onSecret(secret: KubernetesObject): void {
    const namespace = String(secret.metadata?.namespace ?? '');
    const name = String(secret.metadata?.name ?? '');
    const secretKey = `${namespace}/${name}`;
    const data = readSecretData(secret, this.limits);
    if (!data.ok) {
      // Refused as a whole: nothing it registered before changes.
      const error = `secret ${secretKey}: ${data.error}; nothing from this version of the Secret is used`;
      const before = this.refusedSecrets.get(secretKey);
      if (before?.error === error) return;
      this.refusedSecrets.set(secretKey, { secret: { namespace, name }, error, since: new Date().toISOString() });
      this.report(secretKey, error);
      return;
    }
    this.refusedSecrets.delete(secretKey);
    const keys = new Set(data.keys.map((k) => k.key));
    for (const [k, e] of [...this.entries]) {
      if (e.secretKey === secretKey && !keys.has(e.key)) {
        this.log.info({ secret: secretKey, key: e.key }, 'key removed from secret; removing cluster');
        this.entries.delete(k);
        this.drop(e);
      }
    }
    for (const key of data.keys) this.applyKey({ namespace, name }, key);
    this.retryConflicts();
  }

  private onSecretGone(secret: KubernetesObject): void {
    const secretKey = `${String(secret.metadata?.namespace ?? '')}/${String(secret.metadata?.name ?? '')}`;
    this.refusedSecrets.delete(secretKey);
    for (const [k, e] of [...this.entries]) {
      if (e.secretKey !== secretKey) continue;
      this.log.info({ secret: secretKey, key: e.key }, 'secret removed; removing cluster');
      this.entries.delete(k);
      this.drop(e);
    }
    this.retryConflicts();
  }

  // ---- decisions -------------------------------------------------------------------------------

  /** One key of a Secret; whatever goes wrong stays with this key. */
  private applyKey(secret: { namespace: string; name: string }, key: SecretKey): void {
    const secretKey = `${secret.namespace}/${secret.name}`;
    const entryKey = `${secretKey}/${key.key}`;
    let entry = this.entries.get(entryKey);
    if (entry && entry.hash === key.hash) return; // unchanged: nothing to do
    if (!entry) {
      entry = { secretKey, secret, key: key.key, hash: '', state: 'refused', since: new Date().toISOString() };
      this.entries.set(entryKey, entry);
    }
    try {
      this.apply(entry, key.hash, key);
    } catch (err) {
      // Not the Secret's fault as far as we know: said, and tried again on the next update or relist.
      entry.hash = '';
      this.refuse(entry, `secret ${secretKey} key ${key.key}: could not be applied (${err instanceof Error ? err.name : typeof err}); ${entry.source ? 'the previous connection is kept' : 'cluster not added'}`);
      this.log.error({ secret: secretKey, key: key.key, err }, 'applying a remote cluster secret key failed');
    }
  }

  private apply(entry: Entry, hash: string, value: { text?: string; error?: string }): void {
    delete entry.retryText;
    const where = `secret ${entry.secretKey} key ${entry.key}`;
    const kept = entry.source ? 'the previous connection is kept' : 'cluster not added';
    if (value.text === undefined) {
      this.refuse(entry, `${where}: ${value.error ?? 'no value'}, refused; ${kept}`);
      entry.hash = hash;
      return;
    }
    const conflict = this.conflictOf(entry);
    if (conflict) {
      this.refuse(entry, `${where}: ${conflict}; cluster not added`);
      entry.retryText = value.text;
      entry.hash = hash;
      return;
    }
    const checked = checkKubeconfig(value.text, this.opts.policy);
    if (!checked.ok) {
      this.refuse(entry, `${where}: ${checked.error}, refused; ${kept}`);
      entry.hash = hash;
      return;
    }
    const source = this.opts.createSource(entry.key, checked.kubeConfig);
    if (!entry.source) this.activate(entry, source);
    else this.rotate(entry, source);
    entry.hash = hash;
  }

  /** A cluster ID may be registered once: not the primary's, not a static context's, not twice. */
  private conflictOf(entry: Entry): string | undefined {
    if (entry.key === this.opts.primaryId) return `cluster ID "${entry.key}" is the primary cluster's`;
    if (this.opts.staticClusterIds.has(entry.key)) return `cluster ID "${entry.key}" is already registered from a kubeconfig context`;
    for (const other of this.entries.values()) {
      if (other !== entry && other.key === entry.key && other.source) {
        return `cluster ID "${entry.key}" is already registered by secret ${other.secretKey}`;
      }
    }
    return undefined;
  }

  private activate(entry: Entry, source: ClusterSource): void {
    source.start();
    this.opts.registry.add(entry.key, this.originOf(entry), source);
    entry.source = source;
    entry.state = 'active';
    delete entry.error;
    entry.since = new Date().toISOString();
    this.log.info({ secret: entry.secretKey, key: entry.key, server: source.server }, 'remote cluster added');
  }

  /** Make-before-break: the new connection replaces the old only once it has synced. */
  private rotate(entry: Entry, source: ClusterSource): void {
    entry.pending?.source.stop();
    entry.pending = { source };
    entry.state = 'rotating';
    entry.error = `secret ${entry.secretKey} key ${entry.key}: new kubeconfig is syncing; the previous connection serves until it has`;
    entry.since = new Date().toISOString();
    source.start();
    this.log.info({ secret: entry.secretKey, key: entry.key }, 'remote cluster kubeconfig changed; syncing the new connection');
    void source.whenSynced().then(() => {
      if (entry.pending?.source !== source || source.status === 'closed') return;
      delete entry.pending;
      const old = this.opts.registry.replace(entry.key, this.originOf(entry), source);
      old.stop();
      entry.source = source;
      entry.state = 'active';
      delete entry.error;
      entry.since = new Date().toISOString();
      this.log.info({ secret: entry.secretKey, key: entry.key }, 'remote cluster connection rotated');
      this.changed();
    });
  }

  private refuse(entry: Entry, error: string): void {
    // A refused update leaves a working connection in place: refusing is never a reason to break.
    entry.state = entry.source ? 'active' : 'refused';
    entry.error = error;
    entry.since = new Date().toISOString();
    entry.pending?.source.stop();
    delete entry.pending;
    this.report(`${entry.secretKey}/${entry.key}`, error, entry.key);
  }

  /** A refusal: counted, and logged in full once per reason (repeats are summarised). */
  private report(where: string, reason: string, key?: string): void {
    const [namespace = '', name = ''] = where.split('/');
    this.logs.report(`refused ${where} ${reason}`, {
      first: () => this.log.warn({ secret: `${namespace}/${name}`, ...(key !== undefined ? { key } : {}), reason }, 'remote cluster secret refused'),
      summary: (times, windowMs) => this.log.warn({ secret: `${namespace}/${name}`, ...(key !== undefined ? { key } : {}), reason, times, windowMs }, 'remote cluster secret refusals repeated'),
    });
    try {
      this.opts.onRefused?.({ secret: { namespace, name, key: key ?? '' }, reason });
    } catch (err) {
      this.log.error({ err }, 'onRefused callback threw; ignored');
    }
  }

  private drop(entry: Entry): void {
    entry.pending?.source.stop();
    delete entry.pending;
    if (entry.source) {
      this.opts.registry.remove(entry.key);
      entry.source.stop();
      delete entry.source;
    }
  }

  /** A cluster ID freed by a deletion may now go to a Secret that was refused for claiming it. */
  private retryConflicts(): void {
    for (const e of this.entries.values()) {
      if (e.source || e.retryText === undefined) continue;
      if (this.conflictOf(e)) continue;
      const text = e.retryText;
      try {
        this.apply(e, e.hash, { text });
      } catch (err) {
        e.hash = '';
        this.log.error({ secret: e.secretKey, key: e.key, err }, 'applying a remote cluster secret key failed');
      }
    }
  }

  private changed(): void {
    try {
      this.opts.onChanged?.();
    } catch (err) {
      this.log.error({ err }, 'onChanged callback threw; ignored');
    }
  }

  private originOf(entry: Entry) {
    return { kind: 'secret' as const, secret: { ...entry.secret, key: entry.key } };
  }
}
