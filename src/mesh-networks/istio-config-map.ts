// ConfigMap `istio` in the primary's system namespace carries two documents Horizon reads: meshNetworks
// (key `meshNetworks`) and the mesh config (key `mesh`). One watch serves both: it belongs to the primary's
// connection (restarted with the cluster's own watches, its failure shown against the primary as owner
// `istio-configmap`) and keeps only the keys someone asked for; each key's reader gets that key's text.
import type { KubeConnection, KubeWatch } from '../kube/kube-connection.js';
import { configMapTexts, type ConfigMapTexts, type KeyText } from './config-map-text.js';

export type { KeyText };

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

export class IstioConfigMap {
  private readonly readers = new Map<string, (text: KeyText) => void>();
  private readonly keys = new Map<string, ConfigMapKey>();
  private watch: KubeWatch<ConfigMapTexts> | undefined;

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
    this.watch = this.primary.watch<ConfigMapTexts>({
      owner: 'istio-configmap',
      path: `/api/v1/namespaces/${this.systemNamespace}/configmaps`,
      fieldSelector: 'metadata.name=istio',
      // Only the asked-for keys are kept, each checked for its type as it arrives.
      transform: configMapTexts([...this.keys.keys()]),
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
