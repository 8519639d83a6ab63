// meshNetworks text -> the shape the sources keep: one error (every issue, one per line), or the value
// with its warnings (e.g. a cluster claimed by two networks), which the debug API shows.
import type { Limits } from '../limits.js';
import { parseMeshNetworks } from './document.js';
import type { MeshNetworks } from './types.js';
import type { ParseResult } from './sources.js';

export function parseMeshNetworksSource(
  text: string,
  sourceName: string,
  limits?: Partial<Pick<Limits, 'meshNetworksBytes' | 'meshNetworksNetworks'>>,
): ParseResult<MeshNetworks> {
  const result = parseMeshNetworks(text, { source: sourceName, ...(limits ? { limits } : {}) });
  if (result.ok) return { ok: true, value: result.value, warnings: result.warnings.map((w) => w.message) };
  return { ok: false, error: result.errors.map((e) => e.message).join('\n') };
}
