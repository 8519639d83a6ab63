// The emulated cluster behaving like a small real one: deployments make pods, pods get addresses and
// nodes, services get IPs, and EndpointSlices follow pods, readiness and scaling.
import { strict as assert } from 'node:assert';
import type { EmulatedCluster, KObject } from '../../src/emulator/index.js';
import { startTestCluster } from './helpers.js';
import { waitFor } from '../support/wait.js';

const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const service = (name: string, namespace: string, selector: Record<string, string>, ports: object[], extra: object = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace },
  spec: { selector, ports, ...extra },
});
const deployment = (name: string, namespace: string, labels: Record<string, string>, replicas: number, ports: object[] = [{ containerPort: 5000 }]): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels },
  spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'img:1', ports }] } } },
});

function slices(c: EmulatedCluster, namespace: string, svc: string): any[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  return c.list('discovery.k8s.io/v1', 'EndpointSlice', { namespace, labelSelector: `kubernetes.io/service-name=${svc}` });
}
const endpointsOf = (c: EmulatedCluster, namespace: string, svc: string): any[] => slices(c, namespace, svc).flatMap((s) => s.endpoints ?? []); // eslint-disable-line @typescript-eslint/no-explicit-any

describe('emulated cluster controllers', () => {
  let c: EmulatedCluster;
  beforeEach(async () => {
    c = await startTestCluster();
    c.create(ns('sample'));
  });
  afterEach(async () => {
    await c.close();
  });

  it('runs a Deployment as pods with names, labels, owners, nodes, IPs and Ready status', () => {
    c.create(deployment('hello', 'sample', { app: 'hello' }, 3));
    const pods = c.list('v1', 'Pod', { namespace: 'sample' });
    assert.equal(pods.length, 3);
    const d = c.get('apps/v1', 'Deployment', 'sample', 'hello')!;
    for (const p of pods as any[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
      const hash = p.metadata.labels['pod-template-hash'];
      assert.match(p.metadata.name, new RegExp(`^hello-${hash}-[a-z0-9]{5}$`));
      assert.equal(p.metadata.labels.app, 'hello');
      assert.equal(p.metadata.ownerReferences[0].uid, d.metadata.uid);
      assert.match(p.status.podIP, /^10\.40\./);
      assert.deepEqual(p.status.podIPs, [{ ip: p.status.podIP }]);
      assert.ok(['node-a', 'node-b'].includes(p.spec.nodeName));
      assert.equal(p.status.hostIP, p.spec.nodeName === 'node-a' ? '10.43.0.1' : '10.43.0.2');
      assert.equal(p.status.phase, 'Running');
      assert.equal(p.status.conditions.find((x: { type: string }) => x.type === 'Ready').status, 'True');
    }
    assert.equal(new Set(pods.map((p: any) => p.status.podIP)).size, 3); // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(new Set(pods.map((p: any) => p.spec.nodeName)).size, 2, 'round robin over both nodes'); // eslint-disable-line @typescript-eslint/no-explicit-any
    const st = c.get('apps/v1', 'Deployment', 'sample', 'hello')!.status as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(st.readyReplicas, 3);
    assert.equal(st.observedGeneration, 1);
  });

  it('scales up and down through patch and update; deleting the Deployment removes its pods', () => {
    c.create(deployment('hello', 'sample', { app: 'hello' }, 1));
    c.patch('apps/v1', 'Deployment', 'sample', 'hello', { spec: { replicas: 4 } });
    assert.equal(c.count('v1', 'Pod', 'sample'), 4);
    const d = c.get('apps/v1', 'Deployment', 'sample', 'hello')!;
    (d.spec as { replicas: number }).replicas = 2;
    c.update(d);
    assert.equal(c.count('v1', 'Pod', 'sample'), 2);
    assert.equal(c.get('apps/v1', 'Deployment', 'sample', 'hello')!.metadata.generation, 3);
    c.delete('apps/v1', 'Deployment', 'sample', 'hello');
    assert.equal(c.count('v1', 'Pod', 'sample'), 0);
  });

  it('replaces pods when the template changes and recreates deleted pods', () => {
    c.create(deployment('hello', 'sample', { app: 'hello' }, 2));
    const before = new Set(c.list('v1', 'Pod', { namespace: 'sample' }).map((p) => p.metadata.name));
    c.patch('apps/v1', 'Deployment', 'sample', 'hello', { spec: { template: { metadata: { annotations: { rev: '2' } } } } }, 'strategic');
    const after = c.list('v1', 'Pod', { namespace: 'sample' });
    assert.equal(after.length, 2);
    assert.ok(after.every((p) => !before.has(p.metadata.name)));
    c.delete('v1', 'Pod', 'sample', after[0]!.metadata.name!);
    assert.equal(c.count('v1', 'Pod', 'sample'), 2);
  });

  it('gives services cluster IPs, node ports and load-balancer addresses, and frees them on delete', () => {
    const lb = c.create(service('gw', 'sample', { istio: 'gw' }, [{ name: 'tls', port: 15443 }], { type: 'LoadBalancer' })) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.match(lb.spec.clusterIP, /^10\.41\./);
    assert.deepEqual(lb.spec.clusterIPs, [lb.spec.clusterIP]);
    assert.ok(lb.spec.ports[0].nodePort >= 30000 && lb.spec.ports[0].nodePort <= 32767);
    assert.equal(lb.spec.ports[0].targetPort, 15443);
    assert.match(lb.status.loadBalancer.ingress[0].ip, /^10\.42\.0\./);
    const other = c.create(service('other', 'sample', { a: 'b' }, [{ port: 80 }])) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.notEqual(other.spec.clusterIP, lb.spec.clusterIP);
    assert.deepEqual(other.status, { loadBalancer: {} });
    // Update without clusterIP keeps it; changing it is refused.
    const upd = c.patch('v1', 'Service', 'sample', 'other', { spec: { ports: [{ port: 81 }] } }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(upd.spec.clusterIP, other.spec.clusterIP);
    assert.throws(() => c.patch('v1', 'Service', 'sample', 'other', { spec: { clusterIP: '10.41.9.9' } }), /immutable/);
    // A taken clusterIP is refused with 422.
    assert.throws(() => c.create(service('dup', 'sample', {}, [{ port: 1 }], { clusterIP: other.spec.clusterIP })), (e: any) => e.code === 422); // eslint-disable-line @typescript-eslint/no-explicit-any
    c.delete('v1', 'Service', 'sample', 'other');
    const again = c.create(service('dup', 'sample', {}, [{ port: 1 }], { clusterIP: other.spec.clusterIP })) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.equal(again.spec.clusterIP, other.spec.clusterIP);
  });

  it('keeps EndpointSlices in step with pods: ports by name, zones, targetRefs, readiness, scaling', () => {
    c.create(service('hello', 'sample', { app: 'hello' }, [{ name: 'grpc', port: 5000, targetPort: 'grpc-port' }]));
    c.create(deployment('hello', 'sample', { app: 'hello' }, 2, [{ name: 'grpc-port', containerPort: 9000 }]));
    const [slice] = slices(c, 'sample', 'hello');
    assert.match(slice.metadata.name, /^hello-[a-z0-9]{5}$/);
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'grpc', port: 9000, protocol: 'TCP' }]);
    assert.equal(slice.endpoints.length, 2);
    for (const e of slice.endpoints) {
      assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
      assert.equal(e.zone, e.nodeName === 'node-a' ? 'z1' : 'z2');
      assert.equal(e.targetRef.kind, 'Pod');
      assert.ok(c.get('v1', 'Pod', 'sample', e.targetRef.name));
    }
    const pod = slice.endpoints[0].targetRef.name;
    c.faults.setPodReady('sample', pod, false);
    let eps = endpointsOf(c, 'sample', 'hello');
    assert.deepEqual(eps.find((e) => e.targetRef.name === pod).conditions, { ready: false, serving: false, terminating: false });
    c.faults.setPodReady('sample', pod, true);
    eps = endpointsOf(c, 'sample', 'hello');
    assert.equal(eps.every((e) => e.conditions.ready), true);
    c.patch('apps/v1', 'Deployment', 'sample', 'hello', { spec: { replicas: 5 } });
    assert.equal(endpointsOf(c, 'sample', 'hello').length, 5);
    c.patch('apps/v1', 'Deployment', 'sample', 'hello', { spec: { replicas: 0 } });
    const after = slices(c, 'sample', 'hello');
    assert.equal(after.length, 1, 'one placeholder slice stays');
    assert.deepEqual(after[0].endpoints, []);
  });

  it('writes only slices that changed (an unrelated pod change produces no slice event)', () => {
    c.create(service('hello', 'sample', { app: 'hello' }, [{ port: 80 }]));
    c.create(deployment('hello', 'sample', { app: 'hello' }, 1));
    const rv = slices(c, 'sample', 'hello')[0].metadata.resourceVersion;
    const pod = c.list('v1', 'Pod', { namespace: 'sample' })[0]!;
    c.patch('v1', 'Pod', 'sample', pod.metadata.name!, { metadata: { annotations: { note: 'x' } } });
    c.faults.setPodReady('sample', pod.metadata.name!, true);
    assert.equal(slices(c, 'sample', 'hello')[0].metadata.resourceVersion, rv);
  });

  it('splits more than 100 endpoints over several slices', () => {
    c.create(service('big', 'sample', { app: 'big' }, [{ port: 80 }]));
    c.create(deployment('big', 'sample', { app: 'big' }, 250, [{ containerPort: 80 }]));
    const s = slices(c, 'sample', 'big');
    assert.equal(s.length, 3);
    assert.ok(s.every((x) => x.endpoints.length <= 100));
    assert.equal(endpointsOf(c, 'sample', 'big').length, 250);
    assert.equal(new Set(endpointsOf(c, 'sample', 'big').map((e) => e.addresses[0])).size, 250);
    c.patch('apps/v1', 'Deployment', 'sample', 'big', { spec: { replicas: 120 } });
    assert.equal(endpointsOf(c, 'sample', 'big').length, 120);
  });

  it('handles pods created directly, label changes in and out of a selector, and selector-less services', () => {
    c.create(service('svc', 'sample', { app: 'x' }, [{ port: 80 }]));
    c.create(service('manual', 'sample', {}, [{ port: 80 }]));
    c.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'sample', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    assert.equal(endpointsOf(c, 'sample', 'svc').length, 1);
    c.patch('v1', 'Pod', 'sample', 'p1', { metadata: { labels: { app: 'y' } } });
    assert.equal(endpointsOf(c, 'sample', 'svc').length, 0);
    c.patch('v1', 'Pod', 'sample', 'p1', { metadata: { labels: { app: 'x' } } });
    assert.equal(endpointsOf(c, 'sample', 'svc').length, 1);
    assert.equal(slices(c, 'sample', 'manual').length, 0, 'no slices for a service without selector');
  });

  it('marks terminating pods in their slices during a deletion grace period', async () => {
    const g = await startTestCluster({ podDeletionGracePeriodSeconds: 0.3 });
    try {
      g.create(ns('sample'));
      g.create(service('svc', 'sample', { app: 'x' }, [{ port: 80 }]));
      g.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'sample', labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      const ip = (g.get('v1', 'Pod', 'sample', 'p1')!.status as { podIP: string }).podIP;
      const last = g.delete('v1', 'Pod', 'sample', 'p1');
      assert.ok(last.metadata.deletionTimestamp);
      const eps = endpointsOf(g, 'sample', 'svc');
      assert.deepEqual(eps[0].conditions, { ready: false, serving: true, terminating: true });
      await waitFor(() => g.get('v1', 'Pod', 'sample', 'p1') === undefined, 'the pod to be removed after its 0.3 s grace period', { timeoutMs: 10_000, intervalMs: 20 });
      assert.equal(g.get('v1', 'Pod', 'sample', 'p1'), undefined);
      assert.equal(endpointsOf(g, 'sample', 'svc').length, 0);
      // The released address is not handed out again while others are free.
      g.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2', namespace: 'sample' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
      assert.notEqual((g.get('v1', 'Pod', 'sample', 'p2')!.status as { podIP: string }).podIP, ip);
    } finally {
      await g.close();
    }
  });

  it('deleting a namespace deletes what is in it', () => {
    c.create(service('svc', 'sample', { app: 'x' }, [{ port: 80 }]));
    c.create(deployment('d', 'sample', { app: 'x' }, 2));
    c.delete('v1', 'Namespace', undefined, 'sample');
    for (const [av, k] of [['v1', 'Pod'], ['v1', 'Service'], ['apps/v1', 'Deployment'], ['discovery.k8s.io/v1', 'EndpointSlice']] as const) {
      assert.equal(c.count(av, k, 'sample'), 0, k);
    }
    assert.throws(() => c.create(service('svc', 'sample', {}, [{ port: 80 }])), (e: any) => e.code === 404); // eslint-disable-line @typescript-eslint/no-explicit-any
  });

  it('loads thousands of objects quickly in one batch', function () {
    this.timeout(60_000);
    const objects: KObject[] = [ns('bulk')];
    for (let i = 0; i < 2000; i++) {
      objects.push(service(`s${i}`, 'bulk', { app: `a${i}` }, [{ port: 80 }]));
      for (let j = 0; j < 3; j++) objects.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}-${j}`, namespace: 'bulk', labels: { app: `a${i}` } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    }
    const t = Date.now();
    c.load(objects);
    const ms = Date.now() - t;
    assert.equal(c.count('v1', 'Pod', 'bulk'), 6000);
    assert.equal(c.count('discovery.k8s.io/v1', 'EndpointSlice', 'bulk'), 2000);
    assert.ok(ms < 20_000, `bulk load took ${ms} ms`);
  });
});
