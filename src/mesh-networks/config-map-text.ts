// What Horizon keeps of ConfigMap `istio` as it arrives from a watch: one key's text (`meshNetworks`, or
// `mesh`, the mesh config), or why it is unusable. A ConfigMap also carries whatever else its writers put
// there; none of that is held. The size of the text is the parser's to bound (limits).
import type { KubernetesObject } from '@kubernetes/client-node';

export interface ConfigMapText extends KubernetesObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
  /** The key's text; undefined when the key (or `data`) is absent. */
  text?: string;
  /** Why the key is unusable (wrong type); never quotes the value. */
  error?: string;
}

/** The transform of a watch that keeps only `key` of the ConfigMap. */
export function configMapKeyText(key: string): (o: KubernetesObject) => ConfigMapText {
  return (o) => {
    const m = o.metadata ?? {};
    const out: ConfigMapText = { metadata: { name: String(m.name ?? ''), namespace: String(m.namespace ?? ''), resourceVersion: String(m.resourceVersion ?? '') } };
    const data = (o as { data?: unknown }).data;
    if (data === undefined || data === null) return out;
    if (typeof data !== 'object' || Array.isArray(data)) return { ...out, error: 'data is not a map of strings' };
    const value = (data as Record<string, unknown>)[key];
    if (value === undefined || value === null) return out;
    if (typeof value !== 'string') return { ...out, error: `key ${key} is ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}, not text` };
    return { ...out, text: value };
  };
}

