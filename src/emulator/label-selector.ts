// Label selectors in the string syntax of `?labelSelector=` (a=b, a==b, a!=b, a in (x,y), a notin (x),
// a, !a) and in the LabelSelector object form (matchLabels / matchExpressions) Deployments use.
import { badRequest } from './api-error.js';

export type Requirement =
  | { op: 'in'; key: string; values: ReadonlySet<string> }
  | { op: 'notin'; key: string; values: ReadonlySet<string> }
  | { op: 'exists'; key: string }
  | { op: '!exists'; key: string };

export type Labels = Readonly<Record<string, string>> | undefined;

/** A parsed selector: every requirement must hold. An empty selector matches everything. */
export class LabelSelector {
  readonly requirements: readonly Requirement[];

  constructor(requirements: readonly Requirement[]) {
    this.requirements = requirements;
  }

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    for (const r of this.requirements) {
      const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
      switch (r.op) {
        case 'in':
          if (!has || !r.values.has(labels![r.key]!)) return false;
          break;
        case 'notin':
          if (has && r.values.has(labels![r.key]!)) return false;
          break;
        case 'exists':
          if (!has) return false;
          break;
        case '!exists':
          if (has) return false;
          break;
      }
    }
    return true;
  }

  static readonly everything = new LabelSelector([]);

  /** From a map of equalities (Service.spec.selector, matchLabels). */
  static fromMap(map: Readonly<Record<string, string>>): LabelSelector {
    return new LabelSelector(Object.entries(map).map(([key, v]) => ({ op: 'in', key, values: new Set([v]) })));
  }

  /** From a metav1.LabelSelector object. Throws a message on an unknown operator. */
  static fromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined): LabelSelector {
    if (!sel) return LabelSelector.everything;
    const reqs: Requirement[] = [...LabelSelector.fromMap(sel.matchLabels ?? {}).requirements];
    for (const e of sel.matchExpressions ?? []) {
      const op = e.operator;
      if (op === 'In') reqs.push({ op: 'in', key: e.key, values: new Set(e.values ?? []) });
      else if (op === 'NotIn') reqs.push({ op: 'notin', key: e.key, values: new Set(e.values ?? []) });
      else if (op === 'Exists') reqs.push({ op: 'exists', key: e.key });
      else if (op === 'DoesNotExist') reqs.push({ op: '!exists', key: e.key });
      else throw new Error(`unknown label selector operator ${JSON.stringify(op)}`);
    }
    return new LabelSelector(reqs);
  }
}

/**
 * Parses the string form. Throws a 400 ApiError naming the problem, like the real server does for a
 * malformed `labelSelector` parameter.
 */
export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (text === null || text === undefined || text.trim() === '') return LabelSelector.everything;
  const reqs: Requirement[] = [];
  let i = 0;
  const s = text;
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why} in label selector ${JSON.stringify(text)}`);
  };
  const skipWs = (): void => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  const readToken = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && /[A-Za-z0-9_.\-/]/.test(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (true) {
    skipWs();
    let negate = false;
    if (s[i] === '!') {
      negate = true;
      i++;
    }
    const key = readToken();
    if (!key) fail('missing key');
    validateKey(key, fail);
    skipWs();
    if (negate) {
      reqs.push({ op: '!exists', key });
    } else if (i >= s.length || s[i] === ',') {
      reqs.push({ op: 'exists', key });
    } else if (s.startsWith('==', i) || s[i] === '=') {
      i += s.startsWith('==', i) ? 2 : 1;
      const v = readToken();
      validateValue(v, fail);
      reqs.push({ op: 'in', key, values: new Set([v]) });
    } else if (s.startsWith('!=', i)) {
      i += 2;
      const v = readToken();
      validateValue(v, fail);
      reqs.push({ op: 'notin', key, values: new Set([v]) });
    } else {
      const word = readToken();
      if (word !== 'in' && word !== 'notin') fail(`unexpected ${JSON.stringify(word || s[i])} after key ${JSON.stringify(key)}`);
      skipWs();
      if (s[i] !== '(') fail(`expected "(" after ${word}`);
      i++;
      const values = new Set<string>();
      while (true) {
        const v = readToken();
        validateValue(v, fail);
        if (v !== '') values.add(v);
        skipWs();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ')') {
          i++;
          break;
        }
        fail('expected "," or ")" in value list');
      }
      if (values.size === 0) fail(`for "${word}" operator, values set can't be empty`);
      reqs.push({ op: word === 'in' ? 'in' : 'notin', key, values });
    }
    skipWs();
    if (i >= s.length) break;
    if (s[i] !== ',') fail(`unexpected ${JSON.stringify(s[i])}`);
    i++;
  }
  return new LabelSelector(reqs);
}

const nameRe = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const dnsSubdomainRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid, or undefined if it is valid (qualified name rules). */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !dnsSubdomainRe.test(prefix))) {
    return 'prefix part must be a lowercase RFC 1123 subdomain';
  }
  if (name.length === 0 || name.length > 63 || !nameRe.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)";
  }
  return undefined;
}

/** Why a label value is invalid, or undefined if it is valid. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !nameRe.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)";
  }
  return undefined;
}

function validateKey(key: string, fail: (why: string) => never): void {
  const e = labelKeyError(key);
  if (e) fail(`invalid label key ${JSON.stringify(key)}: ${e}`);
}

function validateValue(v: string, fail: (why: string) => never): void {
  const e = labelValueError(v);
  if (e) fail(`invalid label value ${JSON.stringify(v)}: ${e}`);
}
