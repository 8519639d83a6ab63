// /debug/mesh: the meshNetworks in effect (written the way Istio's YAML is: networks by name, in
// document order), each source with its state and error, and the networks where the file overrode
// the ConfigMap. Then the mesh config's localityLbSetting in effect (the default of every
// DestinationRule's), where it came from, and its sources the same way.
import type { LocalityLbSetting } from '../../model/istio-config.js';
import type { MeshNetworks } from '../../mesh-networks/index.js';
import type { DebugMesh } from '../source.js';

export interface MeshView {
  meshNetworks: { networks: Record<string, { endpoints: unknown[]; gateways: unknown[] }> };
  overridden: readonly string[];
  sources: { name: string; loaded: boolean; loadedAt?: string; error?: string; warnings?: string[]; networks?: string[] }[];
  /** undefined localityLbSetting: the mesh config does not set one, Istio's default (`enabled: true`) applies. */
  meshConfig: {
    localityLbSetting?: LocalityLbSetting;
    from: 'file' | 'configmap' | 'default';
    sources: { name: string; loaded: boolean; loadedAt?: string; error?: string; warnings?: string[] }[];
  };
}

export function meshView(mesh: DebugMesh): MeshView {
  const { effective, overridden, sources } = mesh.meshNetworks();
  return {
    meshNetworks: istioForm(effective),
    overridden: [...overridden],
    sources: sources.map((s) => ({ ...sourceView(s), ...(s.value ? { networks: s.value.networks.map((n) => n.name) } : {}) })),
    meshConfig: meshConfigView(mesh),
  };
}

function meshConfigView(mesh: DebugMesh): MeshView['meshConfig'] {
  const { localityLbSetting, from, sources } = mesh.meshConfig();
  return {
    ...(localityLbSetting ? { localityLbSetting } : {}),
    from,
    sources: sources.map(sourceView),
  };
}

/** Where a document comes from, as the view says it (its value is the caller's to show). */
function sourceView(s: { name: string; value: unknown; loadedAt?: string; error?: string; warnings?: readonly string[] }) {
  return {
    name: s.name,
    loaded: s.value !== undefined,
    ...(s.loadedAt ? { loadedAt: s.loadedAt } : {}),
    ...(s.error ? { error: s.error } : {}),
    ...(s.warnings ? { warnings: [...s.warnings] } : {}),
  };
}

function istioForm(m: MeshNetworks): MeshView['meshNetworks'] {
  const networks: MeshView['meshNetworks']['networks'] = {};
  for (const n of m.networks) networks[n.name] = { endpoints: [...n.endpoints], gateways: [...n.gateways] };
  return { networks };
}
