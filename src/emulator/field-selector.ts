// Field selectors (`?fieldSelector=metadata.name=x,metadata.namespace!=y`): the fields the real server
// supports for our kinds, compared as strings.
import { badRequest } from './api-error.js';

type FieldRequirement = { path: readonly string[]; field: string; value: string; equal: boolean };

const common = ['metadata.name', 'metadata.namespace'];
const perKind: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  Secret: ['type'],
  Node: ['spec.unschedulable'],
  Namespace: ['status.phase'],
  Service: ['spec.clusterIP', 'spec.type'],
};

export class FieldSelector {
  readonly requirements: readonly FieldRequirement[];

  constructor(requirements: readonly FieldRequirement[]) {
    this.requirements = requirements;
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(obj: unknown): boolean {
    for (const r of this.requirements) {
      const v = valueAt(obj, r.path);
      if ((v === r.value) !== r.equal) return false;
    }
    return true;
  }

  /** The name this selector pins (`metadata.name=x`), if any: lets a list skip a scan. */
  get name(): string | undefined {
    return this.requirements.find((r) => r.equal && r.field === 'metadata.name')?.value;
  }

  static readonly everything = new FieldSelector([]);
}

function valueAt(obj: unknown, path: readonly string[]): string {
  let cur: unknown = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return '';
  return String(cur);
}

/** Parses the string form for a kind; 400 for malformed text or a field the kind does not support. */
export function parseFieldSelector(text: string | null | undefined, kind: string): FieldSelector {
  if (text === null || text === undefined || text.trim() === '') return FieldSelector.everything;
  const reqs: FieldRequirement[] = [];
  for (const part of text.split(',')) {
    const term = part.trim();
    if (term === '') continue;
    const m = /^([A-Za-z0-9_.\-]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
    if (!m) throw badRequest(`invalid field selector: ${JSON.stringify(term)}: expected <field>=<value> or <field>!=<value>`);
    const field = m[1]!;
    if (!common.includes(field) && !(perKind[kind] ?? []).includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    reqs.push({ field, path: field.split('.'), value: m[3]!.trim(), equal: m[2] !== '!=' });
  }
  return new FieldSelector(reqs);
}
