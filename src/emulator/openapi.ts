// OpenAPI documents, good enough for kubectl's client-side checks:
// - /openapi/v3 lists one document per group-version; each document's PATCH operations carry
//   x-kubernetes-group-version-kind and the `fieldValidation` query parameter, so kubectl apply /
//   create leave field validation to the server (as with any server since 1.27) instead of needing
//   full schemas on the client.
// - PATCH request bodies do not list strategic-merge-patch: kubectl then computes apply patches from
//   its own built-in Go types (exact patch metadata) for built-in kinds, and JSON merge patches for
//   the Istio custom resources, as it does for real CRDs.
// - /openapi/v2 is served as JSON only; kubectl asks for protobuf there, gets 406 and carries on.
import { createHash } from 'node:crypto';
import { groupVersion, type ResourceRegistry, type ResourceType } from './resource-types.js';

const metaRef = '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1';

function schemaName(t: ResourceType, version: string): string {
  if (t.custom) return `io.istio.networking.${version}.${t.kind}`;
  const group = t.group === '' ? 'core' : t.group.split('.')[0]!;
  return `io.k8s.api.${group}.${version}.${t.kind}`;
}

function queryParam(name: string, type = 'string'): object {
  return { name, in: 'query', schema: { type, uniqueItems: true } };
}

function op(t: ResourceType, version: string, action: string, extra: Record<string, unknown>): object {
  return {
    operationId: `${action}${t.kind}`,
    tags: [groupVersion(t.group, version)],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: t.group, version, kind: t.kind },
    ...extra,
  };
}

function kindSchema(t: ResourceType, version: string): object {
  const loose = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  return {
    type: 'object',
    description: `${t.kind} (emulated)`,
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { allOf: [{ $ref: `${metaRef}.ObjectMeta` }], default: {} },
      spec: loose,
      status: loose,
      data: loose,
      stringData: loose,
      type: { type: 'string' },
      endpoints: { type: 'array', items: loose },
      ports: { type: 'array', items: loose },
      addressType: { type: 'string' },
    },
    'x-kubernetes-group-version-kind': [{ group: t.group, version, kind: t.kind }],
  };
}

/** The v3 document of one group-version. */
export function openApiV3GroupVersion(registry: ResourceRegistry, group: string, version: string, gitVersion: string): object | undefined {
  const types = registry.typesIn(group, version);
  if (types.length === 0) return undefined;
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': { type: 'object' },
    'io.k8s.apimachinery.pkg.apis.meta.v1.Status': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  };
  for (const t of types) {
    const name = schemaName(t, version);
    schemas[name] = kindSchema(t, version);
    const ref = { $ref: `#/components/schemas/${name}` };
    const json = { 'application/json': { schema: ref }, 'application/yaml': { schema: ref } };
    const write = [queryParam('dryRun'), queryParam('fieldManager'), queryParam('fieldValidation')];
    const patchContent = {
      'application/json-patch+json': { schema: { $ref: `${metaRef}.Patch` } },
      'application/merge-patch+json': { schema: { $ref: `${metaRef}.Patch` } },
      'application/apply-patch+yaml': { schema: { $ref: `${metaRef}.Patch` } },
    };
    const nsPart = t.namespaced ? '/namespaces/{namespace}' : '';
    const base = `${prefix}${nsPart}/${t.resource}`;
    const pathParams = [{ name: 'name', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }, ...(t.namespaced ? [{ name: 'namespace', in: 'path', required: true, schema: { type: 'string', uniqueItems: true } }] : [])];
    paths[base] = {
      get: op(t, version, 'list', { parameters: [queryParam('labelSelector'), queryParam('fieldSelector'), queryParam('limit', 'integer'), queryParam('continue'), queryParam('watch', 'boolean')], responses: { '200': { description: 'OK' } } }),
      post: op(t, version, 'post', { parameters: write, requestBody: { content: json, required: true }, responses: { '201': { description: 'Created', content: json } } }),
      ...(t.namespaced ? { parameters: [pathParams[1]] } : {}),
    };
    paths[`${base}/{name}`] = {
      get: op(t, version, 'get', { responses: { '200': { description: 'OK', content: json } } }),
      put: op(t, version, 'put', { parameters: write, requestBody: { content: json, required: true }, responses: { '200': { description: 'OK', content: json } } }),
      patch: op(t, version, 'patch', { parameters: [...write, queryParam('force', 'boolean')], requestBody: { content: patchContent, required: true }, responses: { '200': { description: 'OK', content: json } } }),
      delete: op(t, version, 'delete', { parameters: [queryParam('dryRun'), queryParam('gracePeriodSeconds', 'integer'), queryParam('propagationPolicy')], responses: { '200': { description: 'OK' } } }),
      parameters: pathParams,
    };
    if (t.namespaced) paths[`${prefix}/${t.resource}`] = { get: op(t, version, 'list', { responses: { '200': { description: 'OK' } } }) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas } };
}

/** The v3 root: where each group-version's document lives, with a content hash as kubectl expects. */
export function openApiV3Root(registry: ResourceRegistry, gitVersion: string): object {
  const paths: Record<string, object> = {};
  for (const { group, versions } of registry.groups()) {
    for (const v of versions) {
      const key = group === '' ? `api/${v}` : `apis/${group}/${v}`;
      const doc = openApiV3GroupVersion(registry, group, v, gitVersion);
      const hash = createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
  }
  return { paths };
}

/** A JSON swagger 2.0 document for tools that read it (kubectl wants protobuf here and falls back). */
export function openApiV2(registry: ResourceRegistry, gitVersion: string): object {
  const definitions: Record<string, object> = {};
  for (const t of registry.types) {
    for (const v of t.versions) {
      definitions[schemaName(t, v)] = {
        type: 'object',
        'x-kubernetes-group-version-kind': [{ group: t.group, version: v, kind: t.kind }],
      };
    }
  }
  return { swagger: '2.0', info: { title: 'Kubernetes', version: gitVersion }, paths: {}, definitions };
}
