// ConfigMap `istio` in the primary's system namespace carries two documents Horizon reads: meshNetworks
// (key `meshNetworks`) and the mesh config (key `mesh`). One watch serves both: it belongs to the primary's
// connection (restarted with the cluster's own watches, its failure shown against the primary as owner
// `istio-configmap`) and keeps only the keys someone asked for; each key's reader gets that key's text.
import type { KubeConnection, KubeWatch } from '../kube/kube-connection.js';
import { configMapKeyText, type ConfigMapText } from './config-map-text.js';

/** What a key's reader is told: its text (undefined: key or ConfigMap absent) or why it is unusable. */
export type KeyText = { text?: string; error?: string };

/** One key of the ConfigMap, as a reader sees it. */
export interface ConfigMapKey {
  readonly key: string;
  /** Human name, e.g. `configmap istio-system/istio key mesh`. */
  readonly name: string;
  /** Whether the ConfigMap has been listed (present or not) since the watch started. */
  readonly hasSynced: boolean;
  /** The one reader of this key; called on every change of the ConfigMap (the reader skips equal texts). */
  read(handler: (text: KeyText) => void): void;
}

interface KeyedTexts extends Pick<ConfigMapText, 'kind' | 'apiVersion' | 'metadata'> {
  byKey: Map<string, KeyText>;
}

export class IstioConfigMap {
  private readonly readers = new Map<string, (text: KeyText) => void>();
  private readonly keys = new Map<string, ConfigMapKey>();
  private watch: KubeWatch<KeyedTexts> | undefined;

  constructor(
    private readonly primary: Pick<KubeConnection, 'watch'>,
    private readonly systemNamespace: string,
  ) {}

  /** The handle of one key; ask for every key before start(). */
  key(key: string): ConfigMapKey {
    const known = this.keys.get(key);
    if (known) return known;
    if (this.watch) throw new Error(`ConfigMap istio: key ${key} asked for after the watch started`);
    const map = this;
    const handle: ConfigMapKey = {
      key,
      name: `configmap ${this.systemNamespace}/istio key ${key}`,
      get hasSynced() {
        return map.watch?.hasSynced ?? false;
      },
      read: (handler) => {
        if (this.readers.has(key)) throw new Error(`ConfigMap istio: key ${key} already has a reader`);
        this.readers.set(key, handler);
      },
    };
    this.keys.set(key, handle);
    return handle;
  }

  /** Registers the watch on the primary's connection (before the connection starts, so its sync counts). */
  start(): void {
    if (this.watch || this.keys.size === 0) return;
    const keys = [...this.keys.keys()];
    // Only the asked-for keys are kept, each checked for its type as it arrives.
    const perKey = keys.map((k) => [k, configMapKeyText(k)] as const);
    this.watch = this.primary.watch<KeyedTexts>({
      owner: 'istio-configmap',
      path: `/api/v1/namespaces/${this.systemNamespace}/configmaps`,
      fieldSelector: 'metadata.name=istio',
      transform: (o) => {
        const byKey = new Map<string, KeyText>();
        let metadata: ConfigMapText['metadata'] | undefined;
        for (const [k, pick] of perKey) {
          const { metadata: m, text, error } = pick(o);
          metadata = m;
          byKey.set(k, { ...(text !== undefined ? { text } : {}), ...(error !== undefined ? { error } : {}) });
        }
        return { metadata: metadata!, byKey };
      },
      handlers: {
        upsert: (cm) => {
          for (const [k, read] of this.readers) read(cm.byKey.get(k) ?? {});
        },
        remove: () => {
          for (const read of this.readers.values()) read({});
        },
      },
    });
  }

  stop(): void {
    this.watch?.close();
    this.watch = undefined;
  }
}
