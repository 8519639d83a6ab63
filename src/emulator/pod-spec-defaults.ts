// Defaults the API server fills into a pod spec (pods and deployment templates), so objects read back
// look like a real cluster's.
import { isPlainObject } from './merge-patch.js';
import type { StatusCause } from './api-error.js';

export function podSpecCauses(spec: unknown, path: string): StatusCause[] {
  if (!isPlainObject(spec)) return [{ field: path, reason: 'FieldValueRequired', message: 'Required value' }];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    return [{ field: `${path}.containers`, reason: 'FieldValueRequired', message: 'Required value' }];
  }
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    if (!isPlainObject(c) || typeof c.name !== 'string' || c.name === '') {
      causes.push({ field: `${path}.containers[${i}].name`, reason: 'FieldValueRequired', message: 'Required value' });
      return;
    }
    if (names.has(c.name)) causes.push({ field: `${path}.containers[${i}].name`, reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(c.name)}` });
    names.add(c.name);
    if (c.ports !== undefined) {
      if (!Array.isArray(c.ports)) causes.push({ field: `${path}.containers[${i}].ports`, message: 'Invalid value: must be a list' });
      else
        c.ports.forEach((p, j) => {
          const cp = isPlainObject(p) ? p.containerPort : undefined;
          if (typeof cp !== 'number' || !Number.isInteger(cp) || cp < 1 || cp > 65535) {
            causes.push({ field: `${path}.containers[${i}].ports[${j}].containerPort`, message: `Invalid value: ${JSON.stringify(cp)}: must be between 1 and 65535, inclusive` });
          }
        });
    }
  });
  return causes;
}

/** Fills defaults into a (validated) pod spec in place. */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isPlainObject(c)) continue;
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      if (c.imagePullPolicy === undefined) {
        const image = typeof c.image === 'string' ? c.image : '';
        c.imagePullPolicy = image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent';
      }
      c.resources ??= {};
      if (Array.isArray(c.ports)) for (const p of c.ports) if (isPlainObject(p)) p.protocol ??= 'TCP';
    }
  }
}
