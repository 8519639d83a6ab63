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
//   and key; the previous connection (if any) and every other cluster carry on.
// Secret contents never reach logs or errors: only names, keys and our own sanitised reasons.
import { createHash } from 'node:crypto';
import type { V1Secret } from '@kubernetes/client-node';
import { logger } from '../log.js';
import { MULTICLUSTER_SECRET_LABEL } from '../model/labels.js';
import type { ClusterId } from '../model/types.js';
import type { ClusterSource } from '../kube/cluster-source.js';
import { ResilientInformer } from '../kube/informer.js';
import { checkKubeconfig, type KubeconfigPolicy } from '../kube/kubeconfig-policy.js';
import type { Registry } from '../registry/registry.js';
import type { KubeConfig } from '@kubernetes/client-node';

export type RemoteClusterState = 'active' | 'rotating' | 'refused';

export interface RemoteClusterStatus {
  secret: { namespace: string; name: string; key: string };
  clusterId: ClusterId;
  state: RemoteClusterState;
  /** Why it was refused, or why a rotation has not completed. */
  error?: string;
  since: string;
}

export interface RemoteSecretOptions {
  primary: ClusterSource;
  primaryId: ClusterId;
  systemNamespace: string;
  registry: Registry;
  policy: KubeconfigPolicy;
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

const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');

export class RemoteSecretController {
  private readonly log = logger('remote-secrets');
  /** `${secretNs}/${secretName}/${key}` -> entry */
  private readonly entries = new Map<string, Entry>();
  private informer: ResilientInformer<V1Secret> | undefined;

  constructor(private readonly opts: RemoteSecretOptions) {}

  start(): void {
    const { primary, systemNamespace } = this.opts;
    this.informer = new ResilientInformer<V1Secret>({
      rest: primary.rest,
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
    this.informer.start();
  }

  /** True once the Secrets have been listed (remote clusters known, maybe not yet synced). */
  get hasSynced(): boolean {
    return this.informer?.hasSynced ?? false;
  }

  stop(): void {
    this.informer?.stop();
    for (const e of this.entries.values()) this.drop(e);
    this.entries.clear();
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
      .sort((a, b) => `${a.secret.name}/${a.secret.key}`.localeCompare(`${b.secret.name}/${b.secret.key}`));
  }

  // ---- events ----------------------------------------------------------------------------------

  private onSecret(secret: V1Secret): void {
    const namespace = secret.metadata?.namespace ?? '';
    const name = secret.metadata?.name ?? '';
    const secretKey = `${namespace}/${name}`;
    const data = secret.data ?? {};
    const keys = new Set(Object.keys(data));
    for (const [k, e] of [...this.entries]) {
      if (e.secretKey === secretKey && !keys.has(e.key)) {
        this.log.info({ secret: secretKey, key: e.key }, 'key removed from secret; removing cluster');
        this.entries.delete(k);
        this.drop(e);
      }
    }
    for (const key of [...keys].sort()) {
      // Never throws: characters outside base64 are skipped (the API server validated it anyway).
      this.apply({ namespace, name }, key, Buffer.from(data[key] ?? '', 'base64').toString('utf8'));
    }
    this.retryConflicts();
  }

  private onSecretGone(secret: V1Secret): void {
    const secretKey = `${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}`;
    for (const [k, e] of [...this.entries]) {
      if (e.secretKey !== secretKey) continue;
      this.log.info({ secret: secretKey, key: e.key }, 'secret removed; removing cluster');
      this.entries.delete(k);
      this.drop(e);
    }
    this.retryConflicts();
  }

  // ---- decisions -------------------------------------------------------------------------------

  private apply(secret: { namespace: string; name: string }, key: string, text: string): void {
    const secretKey = `${secret.namespace}/${secret.name}`;
    const entryKey = `${secretKey}/${key}`;
    const hash = hashOf(text);
    let entry = this.entries.get(entryKey);
    if (entry && entry.hash === hash) return; // unchanged: nothing to do
    if (!entry) {
      entry = { secretKey, secret, key, hash, state: 'refused', since: new Date().toISOString() };
      this.entries.set(entryKey, entry);
    }
    entry.hash = hash;
    delete entry.retryText;
    const where = `secret ${secretKey} key ${key}`;

    const conflict = this.conflictOf(entry);
    if (conflict) {
      this.refuse(entry, `${where}: ${conflict}; cluster not added`);
      entry.retryText = text;
      return;
    }
    const checked = checkKubeconfig(text, this.opts.policy);
    if (!checked.ok) {
      const kept = entry.source ? 'the previous connection is kept' : 'cluster not added';
      this.refuse(entry, `${where}: ${checked.error}, refused; ${kept}`);
      return;
    }
    const source = this.opts.createSource(key, checked.kubeConfig);
    if (!entry.source) {
      this.activate(entry, source);
      return;
    }
    this.rotate(entry, source);
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
      if (entry.pending?.source !== source || source.status !== 'synced') return;
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
    this.log.warn({ secret: entry.secretKey, key: entry.key, reason: error }, 'remote cluster secret refused');
    try {
      this.opts.onRefused?.({ secret: { ...entry.secret, key: entry.key }, reason: error });
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
      e.hash = '';
      this.apply(e.secret, e.key, text);
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
