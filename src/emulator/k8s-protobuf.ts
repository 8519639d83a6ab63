// Decoding of Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`): the magic
// "k8s\0", a runtime.Unknown envelope naming apiVersion + kind, and the object in `raw`. The messages
// are the subset in proto/k8s/. The result is the object's JSON form, as if kubectl had sent JSON.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';
import { badRequest } from './api-error.js';

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const protoDir = fileURLToPath(new URL('../../proto/k8s/', import.meta.url));

const messageByKind: Readonly<Record<string, string>> = {
  'v1/Namespace': 'k8s.io.api.core.v1.Namespace',
  'v1/Secret': 'k8s.io.api.core.v1.Secret',
  'v1/ConfigMap': 'k8s.io.api.core.v1.ConfigMap',
  'v1/ServiceAccount': 'k8s.io.api.core.v1.ServiceAccount',
  'v1/Service': 'k8s.io.api.core.v1.Service',
  'apps/v1/Deployment': 'k8s.io.api.apps.v1.Deployment',
};

/**
 * Go's protobuf encoder writes non-pointer fields even when they hold their zero value; in JSON those
 * are omitted. Only these fields are pointers in Go, so for them a present zero means something.
 */
const pointerFields = new Set([
  'replicas',
  'immutable',
  'automountServiceAccountToken',
  'terminationGracePeriodSeconds',
  'progressDeadlineSeconds',
  'revisionHistoryLimit',
  'allocateLoadBalancerNodePorts',
  'paused',
]);

let cachedRoot: protobuf.Root | undefined;

/** The parsed .proto files; a constant schema, loaded once per process on first use. */
function root(): protobuf.Root {
  if (!cachedRoot) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => path.join(protoDir, path.basename(target));
    r.loadSync(['runtime.proto', 'meta.proto', 'util.proto', 'resource.proto', 'core.proto', 'apps.proto'], { keepCase: true });
    r.resolveAll();
    cachedRoot = r;
  }
  return cachedRoot;
}

export function isKubernetesProtobuf(contentType: string): boolean {
  return contentType === 'application/vnd.kubernetes.protobuf';
}

/** Decodes a protobuf body into the JSON form of the object; 400 BadRequest on anything malformed. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(magic)) {
    throw badRequest('the protobuf body does not start with the Kubernetes magic number "k8s\\x00"');
  }
  const r = root();
  let envelope: protobuf.Message;
  try {
    envelope = r.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown').decode(body.subarray(4));
  } catch (err) {
    throw badRequest(`malformed protobuf envelope: ${(err as Error).message}`);
  }
  const env = envelope as unknown as { typeMeta?: { apiVersion?: string; kind?: string }; raw?: Uint8Array; contentEncoding?: string };
  const apiVersion = env.typeMeta?.apiVersion ?? '';
  const kind = env.typeMeta?.kind ?? '';
  if (env.contentEncoding) throw badRequest(`protobuf content encoding ${JSON.stringify(env.contentEncoding)} is not supported`);
  const typeName = messageByKind[`${apiVersion}/${kind}`];
  if (!typeName) throw badRequest(`protobuf bodies are not supported for ${apiVersion || '(no apiVersion)'} ${kind || '(no kind)'}; send JSON or YAML`);
  const type = r.lookupType(typeName);
  let msg: protobuf.Message;
  try {
    msg = type.decode(env.raw ?? new Uint8Array());
  } catch (err) {
    throw badRequest(`malformed protobuf ${kind}: ${(err as Error).message}`);
  }
  return { apiVersion, kind, ...toJson(msg, type) };
}

function toJson(msg: protobuf.Message, type: protobuf.Type): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const m = msg as unknown as Record<string, unknown>;
  for (const field of type.fieldsArray) {
    if (!Object.prototype.hasOwnProperty.call(m, field.name)) continue;
    const raw = m[field.name];
    let value: unknown;
    if (field.map) {
      const entries = Object.entries(raw as Record<string, unknown>);
      if (entries.length === 0) continue;
      value = Object.fromEntries(entries.map(([k, v]) => [k, scalarOrMessage(v, field)]));
    } else if (field.repeated) {
      const list = (raw as unknown[]).map((v) => scalarOrMessage(v, field));
      if (list.length === 0) continue;
      value = list;
    } else {
      value = scalarOrMessage(raw, field);
    }
    if (isZero(value) && !pointerFields.has(field.name)) continue;
    if (value === undefined) continue;
    out[field.name] = value;
  }
  return out;
}

function scalarOrMessage(v: unknown, field: protobuf.Field): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    const fullName = rt.fullName;
    const sub = v as Record<string, unknown>;
    if (fullName === '.k8s.io.apimachinery.pkg.util.intstr.IntOrString') {
      return Number(toNumber(sub.type)) === 1 ? (sub.strVal ?? '') : (sub.intVal ?? 0);
    }
    if (fullName === '.k8s.io.apimachinery.pkg.api.resource.Quantity') return sub.string ?? '';
    if (fullName === '.k8s.io.apimachinery.pkg.apis.meta.v1.Time') {
      const seconds = toNumber(sub.seconds);
      return seconds ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    }
    return toJson(v as protobuf.Message, rt);
  }
  if (field.type === 'bytes') return Buffer.from(v as Uint8Array).toString('base64');
  if (field.type === 'int64' || field.type === 'uint64') return toNumber(v);
  return v;
}

function toNumber(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  return Number(String(v));
}

function isZero(v: unknown): boolean {
  if (v === '' || v === 0 || v === false) return true;
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return true;
  return false;
}
