// meshNetworks text -> the single-error shape the sources keep (every issue, one per line).
import { parseMeshNetworks } from '../topology/mesh-networks.js';
import type { MeshNetworks } from '../topology/types.js';
import type { ParseResult } from './mesh-networks-sources.js';

export function parseMeshNetworksSource(text: string, sourceName: string): ParseResult<MeshNetworks> {
  const result = parseMeshNetworks(text, { source: sourceName });
  if (result.ok) return { ok: true, value: result.value };
  return { ok: false, error: result.errors.map((e) => e.message).join('\n') };
}
