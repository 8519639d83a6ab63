// The effective meshNetworks when both the ConfigMap and the file define some: networks from the
// ConfigMap, then from the file; a network named in both is taken from the file (the operator passed
// it explicitly on the command line) and the clash is reported.
import type { MeshNetwork, MeshNetworks } from './types.js';

export function mergeMeshNetworks(configMap: MeshNetworks | undefined, file: MeshNetworks | undefined): {
  value: MeshNetworks;
  overridden: string[];
} {
  const byName = new Map<string, MeshNetwork>();
  for (const n of configMap?.networks ?? []) byName.set(n.name, n);
  const overridden: string[] = [];
  for (const n of file?.networks ?? []) {
    if (byName.has(n.name)) overridden.push(n.name);
    byName.set(n.name, n);
  }
  return { value: { networks: [...byName.values()] }, overridden };
}
