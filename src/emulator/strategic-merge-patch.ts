// Strategic merge patch (`application/strategic-merge-patch+json`), the patch kubectl apply, label,
// annotate and scale send for built-in types. Lists with a merge key (containers by name, ports by
// containerPort / port, env by name, conditions by type ...) merge element by element; other lists
// are replaced. Directives: `$patch` (merge | replace | delete), `$retainKeys`,
// `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>`; a null value deletes a key.
import { badRequest } from './api-error.js';
import { isPlainObject } from './merge-patch.js';

/** What the patch needs to know about one field: how its list merges and what its children are. */
export interface FieldMeta {
  /** Merge key of a list of objects. */
  key?: string;
  /** 'merge' on a list without key = union of primitives. */
  strategy?: 'merge' | 'replace';
  /** Children of this object, or of each element of this list. */
  fields?: PatchMeta;
}
export type PatchMeta = Readonly<Record<string, FieldMeta>>;

const objectMeta: PatchMeta = {
  ownerReferences: { key: 'uid', strategy: 'merge' },
  finalizers: { strategy: 'merge' },
};
const container: PatchMeta = {
  ports: { key: 'containerPort', strategy: 'merge' },
  env: { key: 'name', strategy: 'merge' },
  volumeMounts: { key: 'mountPath', strategy: 'merge' },
  volumeDevices: { key: 'devicePath', strategy: 'merge' },
};
const podSpec: PatchMeta = {
  containers: { key: 'name', strategy: 'merge', fields: container },
  initContainers: { key: 'name', strategy: 'merge', fields: container },
  ephemeralContainers: { key: 'name', strategy: 'merge', fields: container },
  volumes: { key: 'name', strategy: 'merge' },
  imagePullSecrets: { key: 'name', strategy: 'merge' },
  hostAliases: { key: 'ip', strategy: 'merge' },
  topologySpreadConstraints: { key: 'topologyKey', strategy: 'merge' },
  resourceClaims: { key: 'name', strategy: 'merge' },
  schedulingGates: { key: 'name', strategy: 'merge' },
};
const conditions: FieldMeta = { key: 'type', strategy: 'merge' };

/** Patch metadata of the built-in kinds (custom resources do not accept strategic merge patch). */
export const patchMetaByKind: Readonly<Record<string, PatchMeta>> = {
  Pod: {
    metadata: { fields: objectMeta },
    spec: { fields: podSpec },
    status: { fields: { conditions, podIPs: { key: 'ip', strategy: 'merge' }, hostIPs: { key: 'ip', strategy: 'merge' } } },
  },
  Deployment: {
    metadata: { fields: objectMeta },
    spec: { fields: { template: { fields: { metadata: { fields: objectMeta }, spec: { fields: podSpec } } } } },
    status: { fields: { conditions } },
  },
  Service: { metadata: { fields: objectMeta }, spec: { fields: { ports: { key: 'port', strategy: 'merge' } } }, status: { fields: { conditions } } },
  Node: { metadata: { fields: objectMeta }, status: { fields: { addresses: { key: 'type', strategy: 'merge' }, conditions } } },
  Namespace: { metadata: { fields: objectMeta }, status: { fields: { conditions } } },
  ServiceAccount: { metadata: { fields: objectMeta }, secrets: { key: 'name', strategy: 'merge' } },
  Secret: { metadata: { fields: objectMeta } },
  ConfigMap: { metadata: { fields: objectMeta } },
  EndpointSlice: { metadata: { fields: objectMeta } },
};

const setOrderPrefix = '$setElementOrder/';
const deletePrimitivePrefix = '$deleteFromPrimitiveList/';

/** Applies a strategic merge patch to `original` (not modified) and returns the result. */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta | undefined): unknown {
  if (!isPlainObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
  const result = mergeMap(isPlainObject(original) ? original : {}, patch, meta ?? {});
  return result === undefined ? {} : result;
}

function mergeMap(original: Record<string, unknown>, patch: Record<string, unknown>, meta: PatchMeta): Record<string, unknown> | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(patch)) if (k !== '$patch') out[k] = v;
    return stripDirectives(out) as Record<string, unknown>;
  }
  if (directive !== undefined && directive !== 'merge') throw badRequest(`unknown $patch directive ${JSON.stringify(directive)}`);

  const out: Record<string, unknown> = { ...original };
  const retain = patch.$retainKeys;
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw badRequest('$retainKeys must be a list of field names');
    const keep = new Set(retain.map(String));
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  const orders: Array<[string, unknown]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(setOrderPrefix)) {
      orders.push([k.slice(setOrderPrefix.length), v]);
      continue;
    }
    if (k.startsWith(deletePrimitivePrefix)) {
      const field = k.slice(deletePrimitivePrefix.length);
      if (!Array.isArray(v)) throw badRequest(`${k} must be a list`);
      const drop = new Set(v.map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as unknown[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    const fm = meta[k];
    if (v === null) {
      delete out[k];
    } else if (isPlainObject(v)) {
      const merged = mergeMap(isPlainObject(out[k]) ? (out[k] as Record<string, unknown>) : {}, v, fm?.fields ?? {});
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v, fm);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(out[field]) && Array.isArray(order)) out[field] = applyOrder(out[field] as unknown[], order, meta[field]?.key);
  }
  return out;
}

function mergeList(original: unknown[], patch: unknown[], fm: FieldMeta | undefined): unknown[] {
  if (!fm || fm.strategy !== 'merge') {
    return patch.filter((e) => !(isPlainObject(e) && e.$patch !== undefined && Object.keys(e).length === 1)).map(stripDirectives);
  }
  if (patch.some((e) => isPlainObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isPlainObject(e) && e.$patch === 'replace')).map(stripDirectives);
  }
  const key = fm.key;
  if (key === undefined) {
    // merge strategy on a list of primitives: union, keeping the original order first.
    const seen = new Set(original.map((x) => JSON.stringify(x)));
    const out = [...original];
    for (const e of patch) {
      const s = JSON.stringify(e);
      if (!seen.has(s)) {
        seen.add(s);
        out.push(e);
      }
    }
    return out;
  }
  const out = [...original];
  for (const e of patch) {
    if (!isPlainObject(e)) throw badRequest(`list with merge key ${JSON.stringify(key)} has an element that is not an object`);
    const kv = e[key];
    if (kv === undefined) throw badRequest(`list element ${JSON.stringify(e)} lacks its merge key ${JSON.stringify(key)}`);
    const i = out.findIndex((o) => isPlainObject(o) && sameKey(o[key], kv));
    if (e.$patch === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) {
      const merged = mergeMap(out[i] as Record<string, unknown>, e, fm.fields ?? {});
      if (merged === undefined) out.splice(i, 1);
      else out[i] = merged;
    } else {
      out.push(stripDirectives(e));
    }
  }
  return out;
}

function sameKey(a: unknown, b: unknown): boolean {
  // kubectl may send a numeric merge key as a number where the stored object has it as a number too;
  // compare loosely so "80" and 80 meet, as Go's merge does after decoding.
  return a === b || String(a) === String(b);
}

/** Orders `list` by the `$setElementOrder` hint; elements the hint does not name keep their order after it. */
function applyOrder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const idOf = (e: unknown): string => (key !== undefined && isPlainObject(e) ? String(e[key]) : JSON.stringify(e));
  const rank = new Map<string, number>();
  order.forEach((o, i) => rank.set(idOf(o), i));
  const listed = list.filter((e) => rank.has(idOf(e))).sort((a, b) => rank.get(idOf(a))! - rank.get(idOf(b))!);
  const rest = list.filter((e) => !rank.has(idOf(e)));
  return [...listed, ...rest];
}

/** Removes directive keys from a value that is inserted as a whole. */
function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(setOrderPrefix) || k.startsWith(deletePrimitivePrefix)) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}
