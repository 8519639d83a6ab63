// Admission for rbac.authorization.k8s.io/v1: roles need well-formed rules, bindings a roleRef that
// never changes afterwards (as on a real cluster: re-pointing a binding means deleting it) and
// subjects that say who they are.
import { invalid, type StatusCause } from './api-error.js';
import type { KindHooks } from './cluster-state.js';
import type { KObject } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

function ruleCauses(obj: KObject, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  if (obj.rules === undefined || obj.rules === null) {
    obj.rules = [];
    return causes;
  }
  if (!Array.isArray(obj.rules)) return [{ field: 'rules', message: 'Invalid value: must be a list of policy rules' }];
  obj.rules.forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!isPlainObject(r)) {
      causes.push({ field: at, message: 'Invalid value: must be an object' });
      return;
    }
    if (!isStringList(r.verbs) || r.verbs.length === 0) causes.push({ field: `${at}.verbs`, reason: 'FieldValueRequired', message: 'Required value: verbs must contain at least one value' });
    for (const f of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs']) {
      if (r[f] !== undefined && !isStringList(r[f])) causes.push({ field: `${at}.${f}`, message: 'Invalid value: must be a list of strings' });
    }
    const nonResource = isStringList(r.nonResourceURLs) && r.nonResourceURLs.length > 0;
    if (nonResource && namespaced) causes.push({ field: `${at}.nonResourceURLs`, message: 'Invalid value: namespaced rules cannot apply to non-resource URLs' });
    if (nonResource && isStringList(r.resources) && r.resources.length > 0) {
      causes.push({ field: `${at}.nonResourceURLs`, message: 'Invalid value: rules cannot apply to both regular resources and non-resource URLs' });
    }
    if (!nonResource && (!isStringList(r.resources) || r.resources.length === 0)) {
      causes.push({ field: `${at}.resources`, reason: 'FieldValueRequired', message: 'Required value: resource rules must supply at least one resource' });
    }
    if (!nonResource && (!isStringList(r.apiGroups) || r.apiGroups.length === 0)) {
      causes.push({ field: `${at}.apiGroups`, reason: 'FieldValueRequired', message: 'Required value: resource rules must supply at least one api group' });
    }
  });
  return causes;
}

function policyRuleHooks(kind: 'Role' | 'ClusterRole'): KindHooks {
  const check = (obj: KObject): void => {
    const causes = ruleCauses(obj, kind === 'Role');
    if (causes.length) throw invalid(kind, RBAC_GROUP, obj.metadata.name!, causes);
  };
  return { create: check, update: check };
}

function bindingCauses(obj: KObject, kind: 'RoleBinding' | 'ClusterRoleBinding'): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = obj.roleRef;
  if (!isPlainObject(ref)) {
    causes.push({ field: 'roleRef', reason: 'FieldValueRequired', message: 'Required value: roleRef is required' });
  } else {
    if (ref.apiGroup !== RBAC_GROUP) causes.push({ field: 'roleRef.apiGroup', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(ref.apiGroup)}: supported values: "${RBAC_GROUP}"` });
    const kinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    if (typeof ref.kind !== 'string' || !kinds.includes(ref.kind)) {
      causes.push({ field: 'roleRef.kind', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(ref.kind)}: supported values: ${kinds.map((k) => `"${k}"`).join(', ')}` });
    }
    if (typeof ref.name !== 'string' || ref.name === '') causes.push({ field: 'roleRef.name', reason: 'FieldValueRequired', message: 'Required value' });
  }
  if (obj.subjects !== undefined && obj.subjects !== null) {
    if (!Array.isArray(obj.subjects)) causes.push({ field: 'subjects', message: 'Invalid value: must be a list' });
    else
      obj.subjects.forEach((s, i) => {
        const at = `subjects[${i}]`;
        if (!isPlainObject(s) || typeof s.name !== 'string' || s.name === '') {
          causes.push({ field: `${at}.name`, reason: 'FieldValueRequired', message: 'Required value' });
          return;
        }
        if (!['ServiceAccount', 'User', 'Group'].includes(s.kind as string)) {
          causes.push({ field: `${at}.kind`, reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(s.kind)}: supported values: "ServiceAccount", "User", "Group"` });
        }
        // In a ClusterRoleBinding a service account must say which namespace it is in.
        if (s.kind === 'ServiceAccount' && kind === 'ClusterRoleBinding' && (typeof s.namespace !== 'string' || s.namespace === '')) {
          causes.push({ field: `${at}.namespace`, reason: 'FieldValueRequired', message: 'Required value' });
        }
      });
  }
  return causes;
}

function bindingHooks(kind: 'RoleBinding' | 'ClusterRoleBinding'): KindHooks {
  return {
    create(obj) {
      const causes = bindingCauses(obj, kind);
      if (causes.length) throw invalid(kind, RBAC_GROUP, obj.metadata.name!, causes);
    },
    update(obj, old) {
      const causes = bindingCauses(obj, kind);
      if (JSON.stringify(obj.roleRef) !== JSON.stringify(old.roleRef)) causes.push({ field: 'roleRef', message: 'Invalid value: cannot change roleRef' });
      if (causes.length) throw invalid(kind, RBAC_GROUP, obj.metadata.name!, causes);
    },
  };
}

export const clusterRoleHooks = policyRuleHooks('ClusterRole');
export const roleHooks = policyRuleHooks('Role');
export const clusterRoleBindingHooks = bindingHooks('ClusterRoleBinding');
export const roleBindingHooks = bindingHooks('RoleBinding');
