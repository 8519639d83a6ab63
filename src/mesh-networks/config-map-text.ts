// What Horizon keeps of ConfigMap `istio` as it arrives from a watch: the text of the keys it reads
// (`meshNetworks`, and `mesh`, the mesh config), or why each is unusable. A ConfigMap also carries
// whatever else its writers put there; none of that is held. The size of a text is its parser's to bound.
import type { KubernetesObject } from '@kubernetes/client-node';

/** One key as its reader is told: its text (undefined: key or ConfigMap absent) or why it is unusable. */
export type KeyText = { text?: string; error?: string };

export interface ConfigMapTexts extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
  /** Every asked-for key; `{}` when it (or `data`) is absent. */
  byKey: Map<string, KeyText>;
}

/** The transform of a watch that keeps only `keys` of the ConfigMap, each checked for its type. */
export function configMapTexts(keys: readonly string[]): (o: KubernetesObject) => ConfigMapTexts {
  return (o) => {
    const m = o.metadata ?? {};
    const byKey = new Map<string, KeyText>();
    const out: ConfigMapTexts = { metadata: { name: String(m.name ?? ''), namespace: String(m.namespace ?? ''), resourceVersion: String(m.resourceVersion ?? '') }, byKey };
    const data = (o as { data?: unknown }).data;
    const isMap = data !== undefined && data !== null && typeof data === 'object' && !Array.isArray(data);
    for (const key of keys) {
      if (data === undefined || data === null) byKey.set(key, {});
      else if (!isMap) byKey.set(key, { error: 'data is not a map of strings' });
      else byKey.set(key, keyText(key, (data as Record<string, unknown>)[key]));
    }
    return out;
  };
}

/** Never quotes the value in an error. */
function keyText(key: string, value: unknown): KeyText {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'string') return { error: `key ${key} is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not text` };
  return { text: value };
}
