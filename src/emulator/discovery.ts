// Discovery documents: /version, /api, /apis, /apis/<group>, /api/v1 and /apis/<group>/<version>.
// Plain (non-aggregated) discovery: kubectl asks for the aggregated form first and falls back to this
// when the response's content type says it is the plain form.
import { groupVersion, type ResourceRegistry, type ResourceType } from './resource-types.js';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export function versionDocument(v: VersionInfo): object {
  return {
    major: v.major,
    minor: v.minor,
    gitVersion: v.gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-01-01T00:00:00Z',
    goVersion: 'go1.22.0',
    compiler: 'gc',
    platform: 'linux/amd64',
    emulated: true,
  };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupDoc(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: groupVersion(group, v), version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(registry: ResourceRegistry): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: registry
      .groups()
      .filter((g) => g.group !== '')
      .map((g) => groupDoc(g.group, g.versions)),
  };
}

export function apiGroup(registry: ResourceRegistry, group: string): object | undefined {
  const g = registry.groups().find((x) => x.group === group && group !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(g.group, g.versions) } : undefined;
}

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function resourceEntries(t: ResourceType): object[] {
  const out: object[] = [
    {
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: allVerbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
    },
  ];
  for (const sub of t.subresources) {
    if (sub === 'status') out.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    if (sub === 'scale') out.push({ name: `${t.resource}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  }
  return out;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): object | undefined {
  const types = registry.typesIn(group, version);
  if (types.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources: types.flatMap(resourceEntries) };
}
