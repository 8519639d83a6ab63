// Checks every object gets whatever its kind: names, labels and annotations. Failures are 422 causes.
import type { StatusCause } from './api-error.js';
import { labelKeyError, labelValueError } from './label-selector.js';
import type { KObject } from './k8s-object.js';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kinds whose names must be DNS labels (they become DNS names or namespaces); others take subdomains. */
const labelNamedKinds = new Set(['Namespace', 'Service']);

export function nameCauses(kind: string, name: string): StatusCause[] {
  if (labelNamedKinds.has(kind)) {
    if (name.length > 63 || !dnsLabel.test(name)) {
      return [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character` }];
    }
    return [];
  }
  if (name.length > 253 || !dnsSubdomain.test(name)) {
    return [{ field: 'metadata.name', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character` }];
  }
  return [];
}

export function metadataCauses(obj: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const labels = obj.metadata.labels;
  if (labels !== undefined) {
    if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) {
      causes.push({ field: 'metadata.labels', message: 'Invalid value: labels must be a map of strings' });
    } else {
      for (const [k, v] of Object.entries(labels)) {
        const ke = labelKeyError(k);
        if (ke) causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(k)}: ${ke}` });
        if (typeof v !== 'string') causes.push({ field: `metadata.labels`, message: `Invalid value: the value of ${JSON.stringify(k)} must be a string` });
        else {
          const ve = labelValueError(v);
          if (ve) causes.push({ field: 'metadata.labels', message: `Invalid value: ${JSON.stringify(v)}: ${ve}` });
        }
      }
    }
  }
  const annotations = obj.metadata.annotations;
  if (annotations !== undefined) {
    if (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations)) {
      causes.push({ field: 'metadata.annotations', message: 'Invalid value: annotations must be a map of strings' });
    } else {
      let size = 0;
      for (const [k, v] of Object.entries(annotations)) {
        const ke = labelKeyError(k);
        if (ke) causes.push({ field: 'metadata.annotations', message: `Invalid value: ${JSON.stringify(k)}: ${ke}` });
        if (typeof v !== 'string') causes.push({ field: 'metadata.annotations', message: `Invalid value: the value of ${JSON.stringify(k)} must be a string` });
        else size += k.length + v.length;
      }
      if (size > 256 * 1024) causes.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: may not be more than 262144 bytes' });
    }
  }
  return causes;
}
