// The mesh config (istiod's MeshConfig: ConfigMap `istio` key `mesh`, or a file), as far as Horizon serves
// it: `localityLbSetting`, the mesh-wide default of every DestinationRule's. The rest of the document is
// Istio's business and is not read (nor held, nor logged). The text is bounded like meshNetworks: its
// size before parsing, its nesting while parsing (util/bounded-yaml.ts), aliases expanded at most
// MAX_ALIAS_EXPANSION nodes; the setting itself is checked by the same rules as a DestinationRule's.
import { isMap, isNode, isScalar } from 'yaml';
import type { LocalityLbSetting } from '../model/istio-config.js';
import { toMeshLocalityLbSetting } from '../kube/convert-istio.js';
import { defaultLimits, limitExceeded, type Limits } from '../limits.js';
import type { ParseResult } from '../mesh-networks/sources.js';
import { parseBoundedYaml } from '../util/bounded-yaml.js';

export interface MeshConfig {
  /** Absent: the mesh config does not say (Istio's default, `enabled: true`, applies). */
  localityLbSetting?: LocalityLbSetting;
}

export const EMPTY_MESH_CONFIG: MeshConfig = Object.freeze({});

/** Nesting a mesh config may have (Istio's own default document is under ten levels deep). */
const MAX_DEPTH = 64;
/** Alias nodes one `*alias` may expand to when the setting is read. */
const MAX_ALIAS_EXPANSION = 1000;

export function parseMeshConfig(text: string, source: string, limits?: Partial<Pick<Limits, 'meshConfigBytes'>>): ParseResult<MeshConfig> {
  const maxBytes = limits?.meshConfigBytes ?? defaultLimits.meshConfigBytes;
  // Measured here (not by the parser) so the refusal names the limit and its flag. UTF-8 never has fewer
  // bytes than UTF-16 units: a text longer than the limit is refused unmeasured.
  const bytes = text.length > maxBytes ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, error: `${source}: refused before parsing: ${limitExceeded('meshConfigBytes', maxBytes, bytes)}` };
  const parsed = parseBoundedYaml(text, { maxBytes, maxDepth: MAX_DEPTH });
  if (!parsed.ok) {
    return { ok: false, error: parsed.problems.map((p) => `${source}: ${p.line > 0 ? `line ${p.line}, column ${p.column}: ` : ''}${p.reason}`).join('\n') };
  }
  const root = parsed.doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { ok: true, value: EMPTY_MESH_CONFIG };
  if (!isMap(root)) return { ok: false, error: `${source}: the mesh config must be a map of settings` };
  // The last `localityLbSetting` wins, as a YAML decoder that allows duplicate keys reads it.
  const pair = root.items.filter((p) => isScalar(p.key) && p.key.value === 'localityLbSetting').at(-1);
  if (!pair || pair.value === null || (isScalar(pair.value) && pair.value.value === null)) return { ok: true, value: EMPTY_MESH_CONFIG };
  const where = `${source}: ${pair.key && isScalar(pair.key) && pair.key.range ? `line ${parsed.lines.linePos(pair.key.range[0]).line}: ` : ''}localityLbSetting`;
  let value: unknown;
  try {
    value = isNode(pair.value) ? pair.value.toJS(parsed.doc, { maxAliasCount: MAX_ALIAS_EXPANSION }) : pair.value;
  } catch {
    return { ok: false, error: `${where}: its YAML aliases expand too much` };
  }
  const converted = toMeshLocalityLbSetting(value, where);
  if (!converted.ok) return { ok: false, error: converted.error };
  const out: ParseResult<MeshConfig> = { ok: true, value: { localityLbSetting: converted.value.setting } };
  if (converted.value.warnings.length > 0) out.warnings = converted.value.warnings;
  return out;
}

/** The localityLbSetting in effect: the file's document when there is one, else the ConfigMap's; undefined = Istio's default. */
export function effectiveMeshConfig(sources: { configMap: MeshConfig | undefined; file: MeshConfig | undefined }): { value: MeshConfig; from: 'file' | 'configmap' | 'default' } {
  if (sources.file) return { value: sources.file, from: 'file' };
  if (sources.configMap) return { value: sources.configMap, from: 'configmap' };
  return { value: EMPTY_MESH_CONFIG, from: 'default' };
}
