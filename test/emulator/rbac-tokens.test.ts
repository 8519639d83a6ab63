// Service-account tokens, RBAC and CustomResourceDefinitions in the emulator: the token controller
// fills token Secrets, the API server accepts those tokens and RBAC decides what they may do.
import { strict as assert } from 'node:assert';
import type { EmulatedCluster, KObject } from '../../src/emulator/index.js';
import { authorize, serviceAccountIdentity, type RbacObjects } from '../../src/emulator/rbac-authorizer.js';
import { request, startTestCluster } from './helpers.js';

const sa = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
const tokenSecret = (name: string, account: string, namespace = 'default', extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'kubernetes.io/service-account-token',
  metadata: { name, namespace, annotations: { 'kubernetes.io/service-account.name': account } },
  ...extra,
});
const rbac = 'rbac.authorization.k8s.io/v1';
const b64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

function tokenOf(c: EmulatedCluster, name: string, namespace = 'default'): string | undefined {
  const s = c.get('v1', 'Secret', namespace, name) as { data?: { token?: string } } | undefined;
  return s?.data?.token ? b64(s.data.token) : undefined;
}

describe('emulator: service-account tokens and RBAC', function () {
  this.timeout(60_000);
  let c: EmulatedCluster;
  before(async () => {
    c = await startTestCluster();
    c.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  });
  after(async () => c?.close());

  it('fills a token Secret with token, ca.crt and namespace once its service account exists', () => {
    c.create(tokenSecret('early-token', 'early'));
    assert.equal(tokenOf(c, 'early-token'), undefined, 'no token while the account is missing');
    c.create(sa('early'));
    const s = c.get('v1', 'Secret', 'default', 'early-token') as KObject & { data: Record<string, string> };
    assert.ok(b64(s.data.token!).length >= 32);
    assert.equal(b64(s.data['ca.crt']!), c.caCertificate);
    assert.equal(b64(s.data.namespace!), 'default');
    assert.equal(s.metadata.annotations!['kubernetes.io/service-account.uid'], c.get('v1', 'ServiceAccount', 'default', 'early')!.metadata.uid);
  });

  it('accepts the token as the service account, and RBAC decides what it may do', async () => {
    c.create(sa('reader', 'istio-system'));
    c.create(tokenSecret('reader-token', 'reader', 'istio-system'));
    const token = tokenOf(c, 'reader-token', 'istio-system')!;
    assert.equal((await request(c, 'GET', '/api/v1', { token })).status, 200, 'discovery is open to every authenticated caller');
    assert.equal((await request(c, 'GET', '/version', { token })).status, 200);
    const denied = await request(c, 'GET', '/api/v1/pods', { token });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.reason, 'Forbidden');
    assert.equal(denied.json.message, 'pods is forbidden: User "system:serviceaccount:istio-system:reader" cannot list resource "pods" in API group "" at the cluster scope');
    assert.equal((await request(c, 'GET', '/api/v1/pods', { token: 'not-a-token' })).status, 401);

    c.create({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] }] });
    c.create({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'pod-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'istio-system' }] });
    assert.equal((await request(c, 'GET', '/api/v1/pods', { token })).status, 200);
    assert.equal((await request(c, 'GET', '/api/v1/pods?watch=true&timeoutSeconds=1', { token })).status, 200);
    assert.equal((await request(c, 'POST', '/api/v1/namespaces/default/pods', { token, body: '{}' })).status, 403, 'read-only');
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/istio-system/secrets', { token })).status, 403);

    // A Role in one namespace: secrets there, and nowhere else.
    c.create({ apiVersion: rbac, kind: 'Role', metadata: { name: 'secrets', namespace: 'istio-system' }, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] });
    c.create({ apiVersion: rbac, kind: 'RoleBinding', metadata: { name: 'secrets', namespace: 'istio-system' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secrets' }, subjects: [{ kind: 'ServiceAccount', name: 'reader' }] });
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/istio-system/secrets', { token })).status, 200);
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/default/secrets', { token })).status, 403);

    // Test hooks are for the admin token only: not even a binding to cluster-admin (whose rules allow
    // every non-resource URL) opens them.
    c.create({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'reader-admin' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: 'istio-system' }] });
    assert.equal((await request(c, 'GET', '/api/v1/namespaces/default/secrets', { token })).status, 200, 'cluster-admin binding in effect');
    for (const [method, path] of [['POST', '/_emulator/drop-watches'], ['POST', '/_emulator/restart'], ['POST', '/_emulator/compact'], ['GET', '/_emulator/info']] as const) {
      const hook = await request(c, method, path, { token });
      assert.equal(hook.status, 403, `${method} ${path}: test hooks are for the admin token`);
      assert.equal(hook.json.reason, 'Forbidden');
    }
    c.delete(rbac, 'ClusterRoleBinding', undefined, 'reader-admin');

    c.delete('v1', 'Secret', 'istio-system', 'reader-token');
    assert.equal((await request(c, 'GET', '/api/v1/pods', { token })).status, 401, 'deleting the Secret revokes the token');
  });

  it('replaces a token the client chose, and deletes token Secrets with their service account', async () => {
    c.create(sa('chooser'));
    c.create(tokenSecret('chosen', 'chooser', 'default', { data: { token: Buffer.from('my-own-token').toString('base64') } }));
    const token = tokenOf(c, 'chosen')!;
    assert.notEqual(token, 'my-own-token');
    assert.equal((await request(c, 'GET', '/api/v1', { token: 'my-own-token' })).status, 401);
    assert.equal((await request(c, 'GET', '/api/v1', { token })).status, 200);
    c.delete('v1', 'ServiceAccount', 'default', 'chooser');
    assert.equal(c.get('v1', 'Secret', 'default', 'chosen'), undefined);
    assert.equal((await request(c, 'GET', '/api/v1', { token })).status, 401);
  });

  it('checks roles and bindings: rules need verbs, a binding needs a roleRef that never changes', () => {
    assert.throws(() => c.create({ apiVersion: rbac, kind: 'ClusterRole', metadata: { name: 'bad' }, rules: [{ apiGroups: [''], resources: ['pods'] }] }), /rules\[0\]\.verbs/);
    assert.throws(() => c.create({ apiVersion: rbac, kind: 'Role', metadata: { name: 'bad', namespace: 'default' }, rules: [{ nonResourceURLs: ['/x'], verbs: ['get'] }] }), /non-resource/);
    assert.throws(() => c.create({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, subjects: [] }), /roleRef/);
    assert.throws(
      () => c.create({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'bad' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'x' }, subjects: [{ kind: 'ServiceAccount', name: 'a' }] }),
      /subjects\[0\]\.namespace/,
    );
    c.create({ apiVersion: rbac, kind: 'ClusterRoleBinding', metadata: { name: 'fixed' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'a' } });
    assert.throws(() => c.patch(rbac, 'ClusterRoleBinding', undefined, 'fixed', { roleRef: { name: 'b' } }), /cannot change roleRef/);
    assert.ok(c.get(rbac, 'ClusterRole', undefined, 'cluster-admin'), 'the bootstrap cluster-admin role exists');
  });

  it('stores CustomResourceDefinitions, checks their names and reports them Established', () => {
    const crd = (name: string, plural: string) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural }, versions: [{ name: 'v1', served: true, storage: true }] },
    });
    assert.throws(() => c.create(crd('widgets.example.org', 'widgets')), /must be spec.names.plural\+"."\+spec.group/);
    const created = c.create(crd('widgets.example.com', 'widgets')) as KObject & { status: { conditions: Array<{ type: string; status: string }>; storedVersions: string[] } };
    assert.deepEqual(created.status.conditions.map((x) => `${x.type}=${x.status}`), ['NamesAccepted=True', 'Established=True']);
    assert.deepEqual(created.status.storedVersions, ['v1']);
  });
});

describe('emulator: RBAC decisions (pure)', () => {
  const who = serviceAccountIdentity('ns1', 'sa1');
  const objects = (roles: KObject[], bindings: KObject[]): RbacObjects => ({
    clusterRole: (name) => roles.find((r) => r.kind === 'ClusterRole' && r.metadata.name === name),
    clusterRoleBindings: () => bindings.filter((b) => b.kind === 'ClusterRoleBinding'),
    role: (ns, name) => roles.find((r) => r.kind === 'Role' && r.metadata.namespace === ns && r.metadata.name === name),
    roleBindings: (ns) => bindings.filter((b) => b.kind === 'RoleBinding' && b.metadata.namespace === ns),
  });
  const role = (kind: string, name: string, rules: object[], namespace?: string): KObject => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, rules });
  const binding = (kind: string, roleKind: string, roleName: string, subjects: object[], namespace?: string): KObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name: `b-${roleName}`, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: roleName },
    subjects,
  });
  const get = (resource: string, extra: object = {}) => ({ kind: 'resource' as const, verb: 'get', apiGroup: '', resource, ...extra });

  it('a RoleBinding to a ClusterRole grants it in the binding namespace only', () => {
    const rb = objects([role('ClusterRole', 'view', [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }])], [binding('RoleBinding', 'ClusterRole', 'view', [{ kind: 'ServiceAccount', name: 'sa1' }], 'ns1')]);
    assert.equal(authorize(who, get('configmaps', { namespace: 'ns1', name: 'x' }), rb).allowed, true);
    assert.equal(authorize(who, get('configmaps', { namespace: 'ns2', name: 'x' }), rb).allowed, false);
    assert.equal(authorize(who, get('configmaps', { name: 'x' }), rb).allowed, false);
  });

  it('honours resourceNames, subresources, wildcards, groups and non-resource URLs', () => {
    const rules = [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['istio'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['patch'] },
      { apiGroups: ['networking.istio.io'], resources: ['*'], verbs: ['list'] },
      { nonResourceURLs: ['/metrics', '/debug/*'], verbs: ['get'] },
    ];
    const o = objects([role('ClusterRole', 'r', rules)], [binding('ClusterRoleBinding', 'ClusterRole', 'r', [{ kind: 'Group', name: 'system:serviceaccounts:ns1' }])]);
    assert.equal(authorize(who, get('configmaps', { namespace: 'a', name: 'istio' }), o).allowed, true);
    assert.equal(authorize(who, get('configmaps', { namespace: 'a', name: 'other' }), o).allowed, false);
    assert.equal(authorize(who, { kind: 'resource', verb: 'list', apiGroup: '', resource: 'configmaps', namespace: 'a' }, o).allowed, false, 'resourceNames never allow list');
    assert.equal(authorize(who, { kind: 'resource', verb: 'patch', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'a', name: 'd' }, o).allowed, true);
    assert.equal(authorize(who, { kind: 'resource', verb: 'patch', apiGroup: 'apps', resource: 'deployments', namespace: 'a', name: 'd' }, o).allowed, false);
    assert.equal(authorize(who, { kind: 'resource', verb: 'list', apiGroup: 'networking.istio.io', resource: 'gateways' }, o).allowed, true);
    assert.equal(authorize(who, { kind: 'nonResource', verb: 'get', path: '/debug/x' }, o).allowed, true);
    assert.equal(authorize(who, { kind: 'nonResource', verb: 'get', path: '/metricsz' }, o).allowed, false);
    assert.equal(authorize(serviceAccountIdentity('ns2', 'sa1'), get('configmaps', { namespace: 'a', name: 'istio' }), o).allowed, false, 'group of another namespace');
  });
});
