// apiextensions.k8s.io/v1 CustomResourceDefinitions are stored, checked the way the real server
// checks the parts people get wrong (name = <plural>.<group>, scope, exactly one storage version), and
// reported Established at once, so `kubectl wait --for condition=Established` returns. They do not
// add resource types: the emulator serves a fixed set (networking.istio.io among them), so a CRD for
// one of those only documents it, as on a cluster where the CRD was installed beforehand.
import { invalid, type StatusCause } from './api-error.js';
import type { KindHooks } from './cluster-state.js';
import type { KObject } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';

const GROUP = 'apiextensions.k8s.io';

function specCauses(obj: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec;
  if (!isPlainObject(spec)) return [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }];
  const names = isPlainObject(spec.names) ? spec.names : {};
  if (typeof spec.group !== 'string' || !spec.group.includes('.')) {
    causes.push({ field: 'spec.group', message: `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot` });
  }
  for (const f of ['plural', 'kind']) {
    if (typeof names[f] !== 'string' || names[f] === '') causes.push({ field: `spec.names.${f}`, reason: 'FieldValueRequired', message: 'Required value' });
  }
  if (typeof names.plural === 'string' && typeof spec.group === 'string' && obj.metadata.name !== `${names.plural}.${spec.group}`) {
    causes.push({ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(obj.metadata.name)}: must be spec.names.plural+"."+spec.group` });
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    causes.push({ field: 'spec.scope', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"` });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  if (versions.length === 0) causes.push({ field: 'spec.versions', reason: 'FieldValueRequired', message: 'Required value: must have at least one version' });
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    causes.push({ field: 'spec.versions', message: 'Invalid value: must have exactly one version marked as storage version' });
  }
  return causes;
}

function established(obj: KObject): void {
  const spec = obj.spec as { names?: Record<string, unknown>; versions?: Array<{ name?: string; storage?: boolean }> };
  const now = obj.metadata.creationTimestamp;
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  obj.status = {
    acceptedNames: { ...spec.names },
    conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: (spec.versions ?? []).filter((v) => v.storage === true).map((v) => v.name),
  };
}

export const crdHooks: KindHooks = {
  create(obj) {
    const causes = specCauses(obj);
    if (causes.length) throw invalid('CustomResourceDefinition', GROUP, obj.metadata.name!, causes);
    established(obj);
  },
  update(obj, old) {
    const causes = specCauses(obj);
    const oldSpec = (old.spec ?? {}) as { group?: unknown; scope?: unknown };
    const spec = obj.spec as { group?: unknown; scope?: unknown };
    if (spec.group !== oldSpec.group) causes.push({ field: 'spec.group', message: 'Invalid value: field is immutable' });
    if (causes.length) throw invalid('CustomResourceDefinition', GROUP, obj.metadata.name!, causes);
    established(obj);
  },
};
