// What Horizon keeps of watched objects: the slim forms must give the same endpoints as the objects they
// came from, share repeated values, and the pod -> services index must keep its refs straight.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { endpointsFromSlices, toServiceInfo } from '../../src/kube/convert.js';
import { RefIndex } from '../../src/kube/ref-index.js';
import { Interner, slimEndpointSlice, slimNode, slimPod, slimService } from '../../src/kube/slim.js';

const fullSlice = (name: string, endpoints: number, ready: boolean): V1EndpointSlice => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: {
    name,
    namespace: 'ns',
    resourceVersion: '7',
    uid: 'u',
    generateName: 'svc-',
    labels: { 'kubernetes.io/service-name': 'svc', 'endpointslice.kubernetes.io/managed-by': 'x', team: 'a' },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: 'svc', uid: 'o' }],
  },
  addressType: 'IPv4',
  ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
  endpoints: Array.from({ length: endpoints }, (_, i) => ({
    addresses: [`10.0.0.${i + 1}`],
    conditions: { ready, serving: ready, terminating: false },
    nodeName: `node-${i % 2}`,
    zone: `z${i % 2}`,
    targetRef: { kind: 'Pod', namespace: 'ns', name: `p${i}`, uid: `uid-${i}` },
    hints: { forZones: [{ name: `z${i % 2}` }] },
  })),
});

describe('kube slim objects', () => {
  it('an EndpointSlice keeps what endpoints are built from: same endpoints, shared values', () => {
    const intern = new Interner();
    const raw = fullSlice('svc-abc', 4, true);
    const slim = slimEndpointSlice(raw, intern);
    assert.deepEqual(slim.metadata, { name: 'svc-abc', namespace: 'ns', resourceVersion: '7', labels: { 'kubernetes.io/service-name': 'svc' } });
    const lookup = {
      pod: (_ns: string, name: string) => ({ labels: { app: name } }),
      node: (name: string) => ({ labels: { 'topology.kubernetes.io/region': 'r', 'topology.kubernetes.io/zone': `zone-of-${name}` } }),
    };
    assert.deepEqual(endpointsFromSlices('c1', 'ns', [slim], lookup), endpointsFromSlices('c1', 'ns', [raw], lookup));
    // Condition sets and repeated strings are shared objects.
    assert.equal(slim.endpoints![0]!.conditions, slim.endpoints![1]!.conditions);
    const other = slimEndpointSlice(fullSlice('svc-def', 2, true), intern);
    assert.equal(other.endpoints![0]!.conditions, slim.endpoints![0]!.conditions);
    assert.ok(Object.isFrozen(slim.endpoints![0]!.conditions));
    assert.notEqual(slimEndpointSlice(fullSlice('svc-x', 1, false), intern).endpoints![0]!.conditions, slim.endpoints![0]!.conditions);
  });

  it('slim slices give the same endpoints as whole ones for any conditions and references', () => {
    const endpoint = fc.record({
      address: fc.ipV4(),
      ready: fc.option(fc.boolean(), { nil: undefined }),
      terminating: fc.option(fc.boolean(), { nil: undefined }),
      node: fc.option(fc.constantFrom('n1', 'n2'), { nil: undefined }),
      zone: fc.option(fc.constantFrom('z1', 'z2'), { nil: undefined }),
      pod: fc.option(fc.constantFrom('p1', 'p2', 'p3'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(endpoint, { maxLength: 8 }), (eps) => {
        const raw: V1EndpointSlice = {
          metadata: { name: 's', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'svc' } },
          addressType: 'IPv4',
          ports: [{ name: 'p', port: 1 }],
          endpoints: eps.map((e) => ({
            addresses: [e.address],
            ...(e.ready !== undefined || e.terminating !== undefined ? { conditions: { ...(e.ready !== undefined ? { ready: e.ready } : {}), ...(e.terminating !== undefined ? { terminating: e.terminating } : {}) } } : {}),
            ...(e.node ? { nodeName: e.node } : {}),
            ...(e.zone ? { zone: e.zone } : {}),
            ...(e.pod ? { targetRef: { kind: 'Pod', name: e.pod, namespace: 'ns', uid: 'x' } } : {}),
          })),
        };
        const lookup = { pod: (_n: string, name: string) => ({ labels: { pod: name }, nodeName: 'n9' }), node: (n: string) => ({ labels: { 'topology.kubernetes.io/zone': n } }) };
        assert.deepEqual(endpointsFromSlices('c', 'ns', [slimEndpointSlice(raw, new Interner())], lookup), endpointsFromSlices('c', 'ns', [raw], lookup));
      }),
      { numRuns: 200 },
    );
  });

  it('a pod keeps identity, labels and (when sent) its node; a node its labels and addresses', () => {
    const intern = new Interner();
    const p = slimPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', resourceVersion: '3', labels: { a: 'b' }, annotations: { big: 'x'.repeat(100) } }, spec: { nodeName: 'n1' } } as never, intern);
    assert.deepEqual(p, { metadata: { name: 'p', namespace: 'ns', resourceVersion: '3' }, labels: { a: 'b' }, nodeName: 'n1' });
    const meta = slimPod({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'q', namespace: 'ns', resourceVersion: '4' } }, intern);
    assert.deepEqual(meta, { metadata: { name: 'q', namespace: 'ns', resourceVersion: '4' }, labels: {} });
    assert.equal(meta.metadata.namespace, p.metadata.namespace);
    const n = slimNode({ metadata: { name: 'n1', resourceVersion: '1', labels: { z: '1' }, annotations: { a: 'b' } }, status: { addresses: [{ type: 'InternalIP', address: '1.2.3.4' }], capacity: { cpu: '2' } } } as never);
    assert.deepEqual(n, { metadata: { name: 'n1', resourceVersion: '1', labels: { z: '1' } }, status: { addresses: [{ type: 'InternalIP', address: '1.2.3.4' }] } });
  });

  it('a Service keeps what toServiceInfo reads, and of its annotations only the node selector', () => {
    const intern = new Interner();
    const nodeSelector = '{"kubernetes.io/hostname":"n1"}';
    const raw = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'gw',
        namespace: 'istio-system',
        resourceVersion: '9',
        uid: 'u',
        labels: { 'topology.istio.io/network': 'network1' },
        annotations: { 'traffic.istio.io/nodeSelector': nodeSelector, 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(4096) },
        managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      },
      spec: {
        type: 'LoadBalancer',
        clusterIP: '10.0.0.1',
        clusterIPs: ['10.0.0.1'],
        externalIPs: ['1.2.3.4'],
        selector: { app: 'gw' },
        sessionAffinity: 'None',
        ports: [{ name: 'tls', port: 15443, targetPort: 15443, nodePort: 31443, protocol: 'TCP', appProtocol: 'tls' }],
      },
      status: { loadBalancer: { ingress: [{ ip: '5.6.7.8', ipMode: 'VIP' }, { hostname: 'gw.example.com' }] } },
    };
    const slim = slimService(raw as never, intern);
    const full = toServiceInfo(raw as never, 'c1', 'cluster.local');
    assert.deepEqual(toServiceInfo(slim, 'c1', 'cluster.local'), { ...full, annotations: { 'traffic.istio.io/nodeSelector': nodeSelector } });
    assert.deepEqual(slim.metadata, {
      name: 'gw',
      namespace: 'istio-system',
      resourceVersion: '9',
      labels: { 'topology.istio.io/network': 'network1' },
      annotations: { 'traffic.istio.io/nodeSelector': nodeSelector },
    });
    assert.equal(slim.spec?.selector, undefined);
    const bare = slimService({ metadata: { name: 'h', namespace: 'n', resourceVersion: '1' }, spec: { clusterIP: 'None' } } as never, intern);
    assert.deepEqual(toServiceInfo(bare, 'c1', 'cluster.local'), toServiceInfo({ metadata: { name: 'h', namespace: 'n' }, spec: { clusterIP: 'None' } }, 'c1', 'cluster.local'));
  });

  it('the interner gives back equal values (one shared copy each)', () => {
    const intern = new Interner();
    const a = intern.get(['ab', 'c'].join(''));
    const b = intern.get(['a', 'bc'].join(''));
    assert.equal(a, b);
    assert.equal(intern.get(undefined), undefined);
  });

  it('RefIndex: one ref as a string, several as a set, removals in any order', () => {
    const idx = new RefIndex();
    assert.deepEqual([...idx.get('ns', 'p')], []);
    idx.add('ns', 'p', 'ns/a');
    idx.add('ns', 'p', 'ns/a');
    assert.deepEqual([...idx.get('ns', 'p')], ['ns/a']);
    idx.add('ns', 'p', 'ns/b');
    idx.add('ns', 'p', 'ns/c');
    assert.deepEqual([...idx.get('ns', 'p')].sort(), ['ns/a', 'ns/b', 'ns/c']);
    idx.remove('ns', 'p', 'ns/b');
    idx.remove('ns', 'p', 'ns/a');
    assert.deepEqual([...idx.get('ns', 'p')], ['ns/c']);
    idx.remove('ns', 'p', 'ns/x');
    idx.remove('other', 'p', 'ns/c');
    assert.deepEqual([...idx.get('ns', 'p')], ['ns/c']);
    idx.remove('ns', 'p', 'ns/c');
    assert.deepEqual([...idx.get('ns', 'p')], []);
    // Property: it always answers what a plain map of sets would.
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.constantFrom('n1', 'n2'), fc.constantFrom('p1', 'p2'), fc.constantFrom('s1', 's2', 's3')), { maxLength: 40 }), (ops) => {
        const real = new RefIndex();
        const model = new Map<string, Set<string>>();
        for (const [add, ns, name, ref] of ops) {
          const k = `${ns}/${name}`;
          if (add) {
            real.add(ns, name, ref);
            if (!model.has(k)) model.set(k, new Set());
            model.get(k)!.add(ref);
          } else {
            real.remove(ns, name, ref);
            model.get(k)?.delete(ref);
          }
        }
        for (const ns of ['n1', 'n2']) for (const name of ['p1', 'p2']) assert.deepEqual([...real.get(ns, name)].sort(), [...(model.get(`${ns}/${name}`) ?? [])].sort());
      }),
    );
  });
});
