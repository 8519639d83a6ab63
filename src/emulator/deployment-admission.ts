// Deployment admission: apps/v1 validation (a selector that matches the template's labels, at least
// one container) and the defaults a real server adds.
import { invalid, type StatusCause } from './api-error.js';
import type { KindHooks } from './cluster-state.js';
import type { KObject } from './k8s-object.js';
import { LabelSelector } from './label-selector.js';
import { deepEqualJson } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';
import { defaultPodSpec, podSpecCauses } from './pod-spec-defaults.js';

function admit(obj: KObject, old: KObject | undefined): void {
  const name = obj.metadata.name!;
  const causes: StatusCause[] = [];
  if (!isPlainObject(obj.spec)) throw invalid('Deployment', 'apps', name, [{ field: 'spec', reason: 'FieldValueRequired', message: 'Required value' }]);
  const spec = obj.spec;
  if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
  if (typeof spec.replicas !== 'number' || !Number.isInteger(spec.replicas) || spec.replicas < 0) {
    causes.push({ field: 'spec.replicas', message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0` });
  }
  const template = isPlainObject(spec.template) ? spec.template : undefined;
  const templateLabels = (template && isPlainObject(template.metadata) ? (template.metadata.labels as Record<string, string> | undefined) : undefined) ?? {};
  let selector: LabelSelector | undefined;
  if (!isPlainObject(spec.selector)) {
    causes.push({ field: 'spec.selector', reason: 'FieldValueRequired', message: 'Required value' });
  } else {
    try {
      selector = LabelSelector.fromObject(spec.selector as Parameters<typeof LabelSelector.fromObject>[0]);
    } catch (err) {
      causes.push({ field: 'spec.selector', message: `Invalid value: ${(err as Error).message}` });
    }
    if (selector && selector.empty) causes.push({ field: 'spec.selector', message: 'Invalid value: empty selector is invalid for deployment' });
  }
  if (!template) causes.push({ field: 'spec.template', reason: 'FieldValueRequired', message: 'Required value' });
  else {
    if (selector && !selector.empty && !selector.matches(templateLabels)) {
      causes.push({ field: 'spec.template.metadata.labels', message: `Invalid value: ${JSON.stringify(templateLabels)}: \`selector\` does not match template \`labels\`` });
    }
    causes.push(...podSpecCauses(template.spec, 'spec.template.spec'));
  }
  if (old && isPlainObject(old.spec) && !deepEqualJson(old.spec.selector, spec.selector)) {
    causes.push({ field: 'spec.selector', message: 'Invalid value: field is immutable' });
  }
  if (causes.length) throw invalid('Deployment', 'apps', name, causes);
  defaultPodSpec(template!.spec as Record<string, unknown>);
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
}

export const deploymentHooks: KindHooks = {
  create(obj) {
    admit(obj, undefined);
  },
  update(obj, old) {
    admit(obj, old);
  },
};
