// A long-lived, read-only identity in a remote cluster, as `istioctl create-remote-secret` makes one:
// service account istio-reader-service-account in the system namespace, a ClusterRole that reads what
// Horizon watches, its binding, and a legacy service-account token Secret (Kubernetes 1.24+ no longer
// creates one by itself; a TokenRequest token would expire under the Secret that carries it).
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeRequestError, type KubeRest } from '../kube/rest.js';

export const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';

export const readerRules = [
  { apiGroups: [''], resources: ['services', 'endpoints', 'pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
  {
    apiGroups: ['networking.istio.io'],
    resources: ['virtualservices', 'destinationrules', 'gateways'],
    verbs: ['get', 'list', 'watch'],
  },
];

async function ensure(rest: KubeRest, getPath: string, collectionPath: string, body: object): Promise<void> {
  try {
    await rest.request(getPath);
    return;
  } catch (err) {
    if (!(err instanceof KubeRequestError) || err.statusCode !== 404) throw err;
  }
  try {
    await rest.request(collectionPath, { method: 'POST', body: JSON.stringify(body) });
  } catch (err) {
    // Someone else created it between our GET and POST: fine.
    if (!(err instanceof KubeRequestError) || err.statusCode !== 409) throw err;
  }
}

/** Creates what is missing and returns the reader's token. */
export async function ensureReaderToken(rest: KubeRest, namespace: string, timeoutMs = 15_000): Promise<string> {
  const sa = READER_SERVICE_ACCOUNT;
  const roleName = `istio-reader-clusterrole-${namespace}`;
  await ensure(rest, `/api/v1/namespaces/${namespace}`, '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  await ensure(rest, `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}`, `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: sa, namespace },
  });
  await ensure(rest, `/apis/rbac.authorization.k8s.io/v1/clusterroles/${roleName}`, '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: roleName },
    rules: readerRules,
  });
  await ensure(
    rest,
    `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/istio-reader-clusterrolebinding-${namespace}`,
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `istio-reader-clusterrolebinding-${namespace}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
    },
  );
  const secretName = `${sa}-token`;
  const secretPath = `/api/v1/namespaces/${namespace}/secrets/${secretName}`;
  await ensure(rest, secretPath, `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name: secretName, namespace, annotations: { 'kubernetes.io/service-account.name': sa } },
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const secret = await rest.request<{ data?: { token?: string } }>(secretPath);
    const token = secret?.data?.token;
    if (token) return Buffer.from(token, 'base64').toString('utf8');
    if (Date.now() > deadline) {
      throw new Error(
        `secret ${namespace}/${secretName} got no token within ${timeoutMs / 1000} s: is the token controller running in this cluster?`,
      );
    }
    await sleep(250);
  }
}
