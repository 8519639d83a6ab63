// The resource types an emulated cluster serves: one table that discovery, OpenAPI, routing and
// storage all read, so adding a type means adding one entry here.

export type Subresource = 'status' | 'scale';

export interface ResourceType {
  /** API group; '' is the legacy core group served under /api. */
  group: string;
  /** Served versions; the first is the storage and preferred version. Every version serves the same objects. */
  versions: readonly string[];
  /** Plural resource name used in URLs. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: readonly string[];
  subresources: readonly Subresource[];
  /** Stored like a custom resource: no strategic merge patch, generation on every spec change. */
  custom: boolean;
  categories?: readonly string[];
}

const istio = (resource: string, singular: string, kind: string, shortNames: string[], group = 'networking.istio.io', versions = ['v1', 'v1beta1']): ResourceType => ({
  group,
  versions,
  resource,
  singular,
  kind,
  namespaced: true,
  shortNames,
  subresources: ['status'],
  custom: true,
  categories: ['istio-io', `${group.split('.')[0]}-istio-io`],
});

/** A built-in kind served with no behaviour but storage (what istiod lists and watches besides the core). */
const plain = (group: string, resource: string, singular: string, kind: string, namespaced: boolean, shortNames: string[] = []): ResourceType => ({
  group,
  versions: ['v1'],
  resource,
  singular,
  kind,
  namespaced,
  shortNames,
  subresources: [],
  custom: false,
});

const rbac = (resource: string, singular: string, kind: string, namespaced: boolean): ResourceType => ({
  group: 'rbac.authorization.k8s.io',
  versions: ['v1'],
  resource,
  singular,
  kind,
  namespaced,
  shortNames: [],
  subresources: [],
  custom: false,
});

export const builtinResourceTypes: readonly ResourceType[] = [
  { group: '', versions: ['v1'], resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'], custom: false },
  { group: '', versions: ['v1'], resource: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], subresources: ['status'], custom: false },
  { group: '', versions: ['v1'], resource: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: ['status'], custom: false, categories: ['all'] },
  { group: '', versions: ['v1'], resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['status'], custom: false, categories: ['all'] },
  { group: '', versions: ['v1'], resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true, shortNames: [], subresources: [], custom: false },
  { group: '', versions: ['v1'], resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], subresources: [], custom: false },
  { group: '', versions: ['v1'], resource: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: [], custom: false },
  { group: 'apps', versions: ['v1'], resource: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'], custom: false, categories: ['all'] },
  { group: 'discovery.k8s.io', versions: ['v1'], resource: 'endpointslices', singular: 'endpointslice', kind: 'EndpointSlice', namespaced: true, shortNames: [], subresources: [], custom: false },
  rbac('clusterroles', 'clusterrole', 'ClusterRole', false),
  rbac('clusterrolebindings', 'clusterrolebinding', 'ClusterRoleBinding', false),
  rbac('roles', 'role', 'Role', true),
  rbac('rolebindings', 'rolebinding', 'RoleBinding', true),
  { group: 'apiextensions.k8s.io', versions: ['v1'], resource: 'customresourcedefinitions', singular: 'customresourcedefinition', kind: 'CustomResourceDefinition', namespaced: false, shortNames: ['crd', 'crds'], subresources: ['status'], custom: false, categories: ['api-extensions'] },
  istio('virtualservices', 'virtualservice', 'VirtualService', ['vs']),
  istio('destinationrules', 'destinationrule', 'DestinationRule', ['dr']),
  istio('gateways', 'gateway', 'Gateway', ['gw']),
  // The rest of Istio's kinds (its crd-all.gen.yaml), so that istiod, which lists and watches them all
  // before it is ready, runs against emulated clusters too. Served versions as Istio's CRDs have them.
  istio('serviceentries', 'serviceentry', 'ServiceEntry', ['se']),
  istio('workloadentries', 'workloadentry', 'WorkloadEntry', ['we']),
  istio('workloadgroups', 'workloadgroup', 'WorkloadGroup', ['wg']),
  istio('sidecars', 'sidecar', 'Sidecar', []),
  istio('envoyfilters', 'envoyfilter', 'EnvoyFilter', [], 'networking.istio.io', ['v1alpha3']),
  istio('proxyconfigs', 'proxyconfig', 'ProxyConfig', [], 'networking.istio.io', ['v1beta1']),
  istio('authorizationpolicies', 'authorizationpolicy', 'AuthorizationPolicy', ['ap'], 'security.istio.io'),
  istio('peerauthentications', 'peerauthentication', 'PeerAuthentication', ['pa'], 'security.istio.io'),
  istio('requestauthentications', 'requestauthentication', 'RequestAuthentication', ['ra'], 'security.istio.io'),
  istio('telemetries', 'telemetry', 'Telemetry', ['telemetry'], 'telemetry.istio.io', ['v1', 'v1alpha1']),
  istio('wasmplugins', 'wasmplugin', 'WasmPlugin', [], 'extensions.istio.io', ['v1alpha1']),
  istio('trafficextensions', 'trafficextension', 'TrafficExtension', [], 'extensions.istio.io', ['v1alpha1']),
  // Built-in kinds istiod watches (ingress, its own webhooks) and leader election's Leases.
  plain('networking.k8s.io', 'ingresses', 'ingress', 'Ingress', true, ['ing']),
  plain('networking.k8s.io', 'ingressclasses', 'ingressclass', 'IngressClass', false),
  plain('admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'mutatingwebhookconfiguration', 'MutatingWebhookConfiguration', false),
  plain('admissionregistration.k8s.io', 'validatingwebhookconfigurations', 'validatingwebhookconfiguration', 'ValidatingWebhookConfiguration', false),
  plain('coordination.k8s.io', 'leases', 'lease', 'Lease', true),
];

export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** Splits an apiVersion into group and version ('v1' -> ['', 'v1']). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Lookups over a set of resource types. */
export class ResourceRegistry {
  readonly types: readonly ResourceType[];
  private readonly byGroupResource = new Map<string, ResourceType>();
  private readonly byGroupKind = new Map<string, ResourceType>();

  constructor(types: readonly ResourceType[] = builtinResourceTypes) {
    this.types = types;
    for (const t of types) {
      this.byGroupResource.set(`${t.group}/${t.resource}`, t);
      this.byGroupKind.set(`${t.group}/${t.kind}`, t);
    }
  }

  /** The type served at /api(s)/<group>/<version>/<resource>, or undefined. */
  byResource(group: string, version: string, resource: string): ResourceType | undefined {
    const t = this.byGroupResource.get(`${group}/${resource}`);
    return t && t.versions.includes(version) ? t : undefined;
  }

  /** The type for an object's apiVersion + kind, or undefined. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    const { group, version } = splitApiVersion(apiVersion);
    const t = this.byGroupKind.get(`${group}/${kind}`);
    return t && t.versions.includes(version) ? t : undefined;
  }

  /** Every group (core first) with its versions, as discovery lists them. */
  groups(): Array<{ group: string; versions: string[] }> {
    const out = new Map<string, string[]>();
    for (const t of this.types) {
      const versions = out.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      out.set(t.group, versions);
    }
    return [...out].map(([group, versions]) => ({ group, versions }));
  }

  typesIn(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.versions.includes(version));
  }
}
