// Admission for the simple kinds: namespaces, nodes, secrets, config maps, service accounts,
// endpoint slices and the Istio custom resources.
import { badRequest, invalid, type StatusCause } from './api-error.js';
import type { KindHooks } from './cluster-state.js';
import type { KObject } from './k8s-object.js';
import { isPlainObject } from './merge-patch.js';

const dataKey = /^[-._a-zA-Z0-9]+$/;

export const namespaceHooks: KindHooks = {
  create(obj) {
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name! };
    obj.spec = { finalizers: ['kubernetes'], ...(isPlainObject(obj.spec) ? obj.spec : {}) };
    obj.status = { phase: 'Active' };
  },
  update(obj, old) {
    obj.metadata.labels = { ...(obj.metadata.labels ?? {}), 'kubernetes.io/metadata.name': obj.metadata.name! };
    obj.spec = old.spec;
  },
};

export const nodeHooks: KindHooks = {
  create(obj) {
    const name = obj.metadata.name!;
    obj.metadata.labels = { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...(obj.metadata.labels ?? {}) };
    obj.spec = isPlainObject(obj.spec) ? obj.spec : {};
    if (!isPlainObject(obj.status)) obj.status = {};
    const status = obj.status as Record<string, unknown>;
    if (!Array.isArray(status.addresses)) status.addresses = [{ type: 'Hostname', address: name }];
    if (!Array.isArray(status.conditions)) {
      const now = obj.metadata.creationTimestamp;
      status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status (emulated)', lastHeartbeatTime: now, lastTransitionTime: now }];
    }
  },
};

/** Secret: `stringData` folds into base64 `data`, `type` defaults to Opaque, keys and values are checked. */
export const secretHooks: KindHooks = {
  create(obj) {
    normalizeSecret(obj);
  },
  update(obj, old) {
    normalizeSecret(obj);
    if (old.type !== undefined && obj.type !== old.type) {
      throw invalid('Secret', '', obj.metadata.name!, [{ field: 'type', message: 'Invalid value: field is immutable' }]);
    }
    if (old.immutable === true && (JSON.stringify(obj.data) !== JSON.stringify(old.data) || obj.immutable !== true)) {
      throw invalid('Secret', '', obj.metadata.name!, [{ field: 'data', message: 'Forbidden: field is immutable when `immutable` is set' }]);
    }
  },
};

function normalizeSecret(obj: KObject): void {
  const causes: StatusCause[] = [];
  const data: Record<string, string> = {};
  if (obj.data !== undefined && obj.data !== null) {
    if (!isPlainObject(obj.data)) throw badRequest('Secret.data must be a map of base64 strings');
    for (const [k, v] of Object.entries(obj.data)) {
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
        throw badRequest(`Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data[${JSON.stringify(k)}]`);
      }
      data[k] = v;
    }
  }
  if (obj.stringData !== undefined && obj.stringData !== null) {
    if (!isPlainObject(obj.stringData)) throw badRequest('Secret.stringData must be a map of strings');
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  }
  delete obj.stringData;
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    if (!dataKey.test(k)) causes.push({ field: `data[${k}]`, message: `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'` });
    size += (v.length * 3) / 4;
  }
  if (size > 1024 * 1024) causes.push({ field: 'data', reason: 'FieldValueTooLong', message: 'Too long: must have at most 1048576 bytes' });
  if (causes.length) throw invalid('Secret', '', obj.metadata.name!, causes);
  if (Object.keys(data).length > 0) obj.data = data;
  else delete obj.data;
  obj.type ??= 'Opaque';
}

export const configMapHooks: KindHooks = { create: checkConfigMap, update: checkConfigMap };

function checkConfigMap(obj: KObject): void {
  const causes: StatusCause[] = [];
  for (const field of ['data', 'binaryData'] as const) {
    const m = obj[field];
    if (m === undefined || m === null) continue;
    if (!isPlainObject(m)) throw badRequest(`ConfigMap.${field} must be a map`);
    for (const [k, v] of Object.entries(m)) {
      if (!dataKey.test(k)) causes.push({ field: `${field}[${k}]`, message: `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.'` });
      if (typeof v !== 'string') throw badRequest(`ConfigMap.${field}[${JSON.stringify(k)}] must be a string`);
    }
  }
  if (causes.length) throw invalid('ConfigMap', '', obj.metadata.name!, causes);
}

export const endpointSliceHooks: KindHooks = { create: checkEndpointSlice, update: checkEndpointSlice };

function checkEndpointSlice(obj: KObject): void {
  const causes: StatusCause[] = [];
  if (!['IPv4', 'IPv6', 'FQDN'].includes(obj.addressType as string)) {
    causes.push({ field: 'addressType', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(obj.addressType)}: supported values: "FQDN", "IPv4", "IPv6"` });
  }
  if (obj.endpoints !== undefined && obj.endpoints !== null) {
    if (!Array.isArray(obj.endpoints)) causes.push({ field: 'endpoints', message: 'Invalid value: must be a list' });
    else if (obj.endpoints.length > 1000) causes.push({ field: 'endpoints', reason: 'FieldValueTooMany', message: 'Too many: must have at most 1000 items' });
    else
      obj.endpoints.forEach((e, i) => {
        if (!isPlainObject(e) || !Array.isArray(e.addresses) || e.addresses.length === 0) {
          causes.push({ field: `endpoints[${i}].addresses`, reason: 'FieldValueRequired', message: 'Required value: must contain at least 1 address' });
        }
      });
  }
  if (causes.length) throw invalid('EndpointSlice', 'discovery.k8s.io', obj.metadata.name!, causes);
}

/** Istio resources are custom resources: any spec object is accepted. */
export const customResourceHooks: KindHooks = { create: checkCustomResource, update: checkCustomResource };

function checkCustomResource(obj: KObject): void {
  if (obj.spec !== undefined && !isPlainObject(obj.spec)) throw badRequest(`${obj.kind}.spec must be an object`);
}
