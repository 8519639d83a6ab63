// /debug/mesh: the meshNetworks in effect (written the way Istio's YAML is: networks by name, in
// document order), each source with its state and error, and the networks where the file overrode
// the ConfigMap.
import type { MeshNetworks } from '../../mesh-networks/index.js';
import type { DebugMesh } from '../source.js';

export interface MeshView {
  meshNetworks: { networks: Record<string, { endpoints: unknown[]; gateways: unknown[] }> };
  overridden: readonly string[];
  sources: { name: string; loaded: boolean; loadedAt?: string; error?: string; warnings?: string[]; networks?: string[] }[];
}

export function meshView(mesh: DebugMesh): MeshView {
  const { effective, overridden, sources } = mesh.meshNetworks();
  return {
    meshNetworks: istioForm(effective),
    overridden: [...overridden],
    sources: sources.map((s) => ({
      name: s.name,
      loaded: s.value !== undefined,
      ...(s.loadedAt ? { loadedAt: s.loadedAt } : {}),
      ...(s.error ? { error: s.error } : {}),
      ...(s.warnings ? { warnings: [...s.warnings] } : {}),
      ...(s.value ? { networks: s.value.networks.map((n) => n.name) } : {}),
    })),
  };
}

function istioForm(m: MeshNetworks): MeshView['meshNetworks'] {
  const networks: MeshView['meshNetworks']['networks'] = {};
  for (const n of m.networks) networks[n.name] = { endpoints: [...n.endpoints], gateways: [...n.gateways] };
  return { networks };
}
