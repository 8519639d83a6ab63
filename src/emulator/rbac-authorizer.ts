// RBAC authorization for service-account callers, as the real API server decides it: a request is
// allowed when some (Cluster)RoleBinding that names the caller (or one of its groups) points at a
// role with a rule matching the request's verb, API group, resource[/subresource] and name, or its
// non-resource URL. The admin token of an emulated cluster is not subject to this (system:masters).
//
// Simplifications: no aggregated ClusterRoles, no impersonation, no `escalate` / `bind` checks when
// writing roles; the discovery and public-info paths every authenticated user may read on a real
// cluster (system:discovery, system:public-info-viewer) are allowed without any binding.
import type { KObject } from './k8s-object.js';

export interface Identity {
  /** e.g. `system:serviceaccount:istio-system:istio-reader-service-account` */
  user: string;
  groups: readonly string[];
}

/** What one request asks for, in the terms of RBAC rules. */
export type RequestAttributes =
  | {
      kind: 'resource';
      verb: string;
      apiGroup: string;
      resource: string;
      subresource?: string;
      namespace?: string;
      name?: string;
    }
  | { kind: 'nonResource'; verb: string; path: string };

/** The RBAC objects of a cluster, read when a request is authorized. */
export interface RbacObjects {
  clusterRole(name: string): KObject | undefined;
  clusterRoleBindings(): Iterable<KObject>;
  role(namespace: string, name: string): KObject | undefined;
  roleBindings(namespace: string): Iterable<KObject>;
}

export type Decision = { allowed: true } | { allowed: false; message: string };

interface PolicyRule {
  verbs?: unknown;
  apiGroups?: unknown;
  resources?: unknown;
  resourceNames?: unknown;
  nonResourceURLs?: unknown;
}

interface Subject {
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
}

/** Paths any authenticated caller may GET on a real cluster. */
const publicPaths = [/^\/api(\/.*)?$/, /^\/apis(\/.*)?$/, /^\/version\/?$/, /^\/(healthz|livez|readyz)(\/.*)?$/, /^\/openapi(\/.*)?$/];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The identity a service-account token stands for. */
export function serviceAccountIdentity(namespace: string, name: string): Identity {
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

function subjectMatches(s: Subject, who: Identity, bindingNamespace: string | undefined): boolean {
  if (s.kind === 'User') return s.name === who.user;
  if (s.kind === 'Group') return typeof s.name === 'string' && who.groups.includes(s.name);
  if (s.kind === 'ServiceAccount') {
    // A RoleBinding's ServiceAccount subject without a namespace means the binding's own namespace.
    const ns = typeof s.namespace === 'string' && s.namespace !== '' ? s.namespace : bindingNamespace;
    return ns !== undefined && who.user === `system:serviceaccount:${ns}:${String(s.name)}`;
  }
  return false;
}

function bindsCaller(binding: KObject, who: Identity): boolean {
  const subjects = Array.isArray(binding.subjects) ? (binding.subjects as Subject[]) : [];
  return subjects.some((s) => s && typeof s === 'object' && subjectMatches(s, who, binding.metadata.namespace));
}

function rulesOf(role: KObject | undefined): PolicyRule[] {
  return role && Array.isArray(role.rules) ? (role.rules as PolicyRule[]).filter((r) => r && typeof r === 'object') : [];
}

const hasOrStar = (list: string[], value: string): boolean => list.includes('*') || list.includes(value);

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!hasOrStar(strings(rule.verbs), a.verb)) return false;
  if (a.kind === 'nonResource') {
    return strings(rule.nonResourceURLs).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  }
  if (!hasOrStar(strings(rule.apiGroups), a.apiGroup)) return false;
  const resources = strings(rule.resources);
  const wanted = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resourceOk = resources.some((r) => r === '*' || r === wanted || (a.subresource !== undefined && r === `*/${a.subresource}`));
  if (!resourceOk) return false;
  const names = strings(rule.resourceNames);
  return names.length === 0 || (a.name !== undefined && names.includes(a.name));
}

/** The role a binding points at; a RoleBinding may point at a Role of its namespace or a ClusterRole. */
function roleOf(binding: KObject, rbac: RbacObjects): KObject | undefined {
  const ref = (binding.roleRef ?? {}) as { kind?: unknown; name?: unknown };
  if (typeof ref.name !== 'string') return undefined;
  if (ref.kind === 'ClusterRole') return rbac.clusterRole(ref.name);
  if (ref.kind === 'Role' && binding.metadata.namespace) return rbac.role(binding.metadata.namespace, ref.name);
  return undefined;
}

export function authorize(who: Identity, a: RequestAttributes, rbac: RbacObjects): Decision {
  if (a.kind === 'nonResource' && a.verb === 'get' && publicPaths.some((p) => p.test(a.path))) return { allowed: true };
  const allows = (binding: KObject): boolean => bindsCaller(binding, who) && rulesOf(roleOf(binding, rbac)).some((r) => ruleAllows(r, a));
  for (const b of rbac.clusterRoleBindings()) if (allows(b)) return { allowed: true };
  if (a.kind === 'resource' && a.namespace !== undefined) {
    for (const b of rbac.roleBindings(a.namespace)) if (allows(b)) return { allowed: true };
  }
  return { allowed: false, message: forbiddenMessage(who, a) };
}

/** The real server's wording, which kubectl prints as is. */
export function forbiddenMessage(who: Identity, a: RequestAttributes): string {
  if (a.kind === 'nonResource') return `forbidden: User "${who.user}" cannot ${a.verb} path "${a.path}"`;
  const qualified = a.apiGroup === '' ? a.resource : `${a.resource}.${a.apiGroup}`;
  const subject = a.name !== undefined ? `${qualified} "${a.name}"` : qualified;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace !== undefined ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `${subject} is forbidden: User "${who.user}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
