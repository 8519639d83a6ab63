// Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which kubectl get
// asks for: the columns a real cluster prints for our kinds.
import type { KObject } from './k8s-object.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  priority?: number;
  cell: (o: KObject) => string | number;
}

export function age(created: string | undefined, now = Date.now()): string {
  if (!created) return '<unknown>';
  const s = Math.max(0, Math.floor((now - Date.parse(created)) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name ?? '' };
const ageCol: Column = { name: 'Age', type: 'string', cell: (o) => age(o.metadata.creationTimestamp) };

const createdAt: Column = { name: 'Created At', type: 'date', cell: (o) => o.metadata.creationTimestamp ?? '' };
const roleRef = (o: KObject): string => { const r = (o.roleRef ?? {}) as Any; return `${r.kind ?? ''}/${r.name ?? ''}`; };

const columnsByKind: Record<string, Column[]> = {
  Pod: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => { const cs = ((o.status as Any)?.containerStatuses ?? []) as Any[]; return `${cs.filter((c) => c.ready).length}/${((o.spec as Any)?.containers ?? []).length}`; } },
    { name: 'Status', type: 'string', cell: (o) => (o.metadata.deletionTimestamp ? 'Terminating' : ((o.status as Any)?.phase ?? 'Unknown')) },
    { name: 'Restarts', type: 'string', cell: () => '0' },
    ageCol,
    { name: 'IP', type: 'string', priority: 1, cell: (o) => (o.status as Any)?.podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, cell: (o) => (o.spec as Any)?.nodeName ?? '<none>' },
  ],
  Service: [
    name,
    { name: 'Type', type: 'string', cell: (o) => (o.spec as Any)?.type ?? 'ClusterIP' },
    { name: 'Cluster-IP', type: 'string', cell: (o) => (o.spec as Any)?.clusterIP ?? '<none>' },
    { name: 'External-IP', type: 'string', cell: (o) => { const ing = ((o.status as Any)?.loadBalancer?.ingress ?? []) as Any[]; if (ing.length) return ing.map((i) => i.ip ?? i.hostname).join(','); return (o.spec as Any)?.type === 'LoadBalancer' ? '<pending>' : '<none>'; } },
    { name: 'Port(s)', type: 'string', cell: (o) => (((o.spec as Any)?.ports ?? []) as Any[]).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',') || '<none>' },
    ageCol,
    { name: 'Selector', type: 'string', priority: 1, cell: (o) => Object.entries(((o.spec as Any)?.selector ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',') || '<none>' },
  ],
  Deployment: [
    name,
    { name: 'Ready', type: 'string', cell: (o) => `${(o.status as Any)?.readyReplicas ?? 0}/${(o.spec as Any)?.replicas ?? 1}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => (o.status as Any)?.updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', cell: (o) => (o.status as Any)?.availableReplicas ?? 0 },
    ageCol,
  ],
  EndpointSlice: [
    name,
    { name: 'AddressType', type: 'string', cell: (o) => String(o.addressType ?? '') },
    { name: 'Ports', type: 'string', cell: (o) => ((o.ports ?? []) as Any[]).map((p) => String(p.port)).join(',') || '<unset>' },
    { name: 'Endpoints', type: 'string', cell: (o) => ((o.endpoints ?? []) as Any[]).flatMap((e) => e.addresses ?? []).join(',') || '<unset>' },
    ageCol,
  ],
  Namespace: [name, { name: 'Status', type: 'string', cell: (o) => (o.status as Any)?.phase ?? 'Active' }, ageCol],
  Node: [
    name,
    { name: 'Status', type: 'string', cell: () => 'Ready' },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    ageCol,
    { name: 'Version', type: 'string', cell: (o) => (o.status as Any)?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o) => (((o.status as Any)?.addresses ?? []) as Any[]).find((a) => a.type === 'InternalIP')?.address ?? '<none>' },
  ],
  Secret: [name, { name: 'Type', type: 'string', cell: (o) => String(o.type ?? 'Opaque') }, { name: 'Data', type: 'integer', cell: (o) => Object.keys((o.data ?? {}) as object).length }, ageCol],
  ServiceAccount: [name, { name: 'Secrets', type: 'integer', cell: (o) => ((o.secrets ?? []) as unknown[]).length }, ageCol],
  ClusterRole: [name, createdAt],
  Role: [name, createdAt],
  ClusterRoleBinding: [name, { name: 'Role', type: 'string', cell: roleRef }, ageCol],
  RoleBinding: [name, { name: 'Role', type: 'string', cell: roleRef }, ageCol],
  CustomResourceDefinition: [name, createdAt],
  ConfigMap: [name, { name: 'Data', type: 'integer', cell: (o) => Object.keys((o.data ?? {}) as object).length + Object.keys((o.binaryData ?? {}) as object).length }, ageCol],
};

export function toTable(kind: string, items: KObject[], resourceVersion: string, extra: { continue?: string; remainingItemCount?: number } = {}): object {
  const cols = columnsByKind[kind] ?? [name, ageCol];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(extra.continue ? { continue: extra.continue } : {}), ...(extra.remainingItemCount !== undefined ? { remainingItemCount: extra.remainingItemCount } : {}) },
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.name, priority: c.priority ?? 0 })),
    rows: items.map((o) => ({
      cells: cols.map((c) => c.cell(o)),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
