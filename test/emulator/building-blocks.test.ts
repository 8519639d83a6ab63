// The emulator's pure building blocks: selectors, patches, protobuf decoding, address pools, cluster
// definitions.
import { strict as assert } from 'node:assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { parseLabelSelector, LabelSelector } from '../../src/emulator/label-selector.js';
import { parseFieldSelector } from '../../src/emulator/field-selector.js';
import { applyMergePatch } from '../../src/emulator/merge-patch.js';
import { applyJsonPatch } from '../../src/emulator/json-patch.js';
import { applyStrategicMergePatch, patchMetaByKind } from '../../src/emulator/strategic-merge-patch.js';
import { decodeKubernetesProtobuf } from '../../src/emulator/k8s-protobuf.js';
import { IpPool, parseCidr, type Cidr } from '../../src/emulator/ip-pool.js';
import { loadClusterFolder, parseManifests, validateClusterDefinition } from '../../src/emulator/index.js';
import { ApiError } from '../../src/emulator/api-error.js';
import { ObjectStore } from '../../src/emulator/object-store.js';
import { ResourceRegistry } from '../../src/emulator/resource-types.js';

describe('emulator building blocks', () => {
  describe('label selectors', () => {
    const labels = { app: 'hello', version: 'v1', tier: 'web' };
    const cases: Array<[string, boolean]> = [
      ['', true],
      ['app=hello', true],
      ['app==hello', true],
      ['app!=hello', false],
      ['app=hello,version=v2', false],
      ['version in (v1, v2)', true],
      ['version notin (v1)', false],
      ['tier', true],
      ['!tier', false],
      ['missing', false],
      ['!missing', true],
      ['missing!=x', true],
      ['app=hello, version in (v1),!gone', true],
    ];
    for (const [text, want] of cases) {
      it(`${JSON.stringify(text)} -> ${want}`, () => assert.equal(parseLabelSelector(text).matches(labels), want));
    }
    it('rejects malformed selectors with a 400', () => {
      for (const bad of ['in (x)', 'a in x', 'a in ()', 'bad key=x', 'a=b,,c']) {
        assert.throws(
          () => parseLabelSelector(bad).matches({}),
          (e: unknown) => e instanceof ApiError && e.code === 400,
          bad,
        );
      }
    });
    it('builds from matchLabels / matchExpressions', () => {
      const s = LabelSelector.fromObject({ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'v', operator: 'In', values: ['1', '2'] }] });
      assert.equal(s.matches({ app: 'a', v: '2' }), true);
      assert.equal(s.matches({ app: 'a', v: '3' }), false);
    });
  });

  describe('field selectors', () => {
    it('matches metadata.name / namespace and rejects unsupported fields', () => {
      const obj = { metadata: { name: 'x', namespace: 'ns' }, spec: { nodeName: 'n1' } };
      assert.equal(parseFieldSelector('metadata.name=x,metadata.namespace!=other', 'Pod').matches(obj), true);
      assert.equal(parseFieldSelector('metadata.name==y', 'Pod').matches(obj), false);
      assert.equal(parseFieldSelector('spec.nodeName=n1', 'Pod').matches(obj), true);
      assert.throws(() => parseFieldSelector('spec.nodeName=n1', 'Service'), (e: unknown) => e instanceof ApiError && e.code === 400);
    });
  });

  describe('patches', () => {
    it('merge patch merges objects, deletes nulls, replaces lists', () => {
      assert.deepEqual(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null, d: 3 }, l: [3] }), { a: { c: 2, d: 3 }, l: [3] });
    });

    it('json patch applies add/remove/replace/move/copy/test and fails atomically', () => {
      const doc = { metadata: { labels: { a: '1' } }, list: [1, 2, 3] };
      const out = applyJsonPatch(doc, [
        { op: 'add', path: '/metadata/labels/b~1c', value: '2' },
        { op: 'remove', path: '/list/0' },
        { op: 'replace', path: '/list/0', value: 9 },
        { op: 'copy', from: '/list/0', path: '/list/-' },
        { op: 'move', from: '/metadata/labels/a', path: '/moved' },
        { op: 'test', path: '/moved', value: '1' },
      ]);
      assert.deepEqual(out, { metadata: { labels: { 'b/c': '2' } }, list: [9, 3, 9], moved: '1' });
      assert.deepEqual(doc.list, [1, 2, 3]);
      assert.throws(() => applyJsonPatch(doc, [{ op: 'test', path: '/list/0', value: 7 }]), (e: unknown) => e instanceof ApiError && e.code === 422);
      assert.throws(() => applyJsonPatch(doc, { op: 'add' }), (e: unknown) => e instanceof ApiError && e.code === 400);
    });

    it('strategic merge patch merges containers by name, ports by containerPort, env by name', () => {
      const live = {
        metadata: { labels: { app: 'a' } },
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'main', image: 'i:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
                { name: 'side', image: 's:1' },
              ],
            },
          },
        },
      };
      const patch = {
        metadata: { labels: { extra: 'x' } },
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'side' }, { name: 'main' }],
              containers: [{ name: 'main', image: 'i:2', env: [{ name: 'A', value: '9' }, { name: 'B', $patch: 'delete' }], ports: [{ containerPort: 81 }] }],
            },
          },
        },
      };
      const out = applyStrategicMergePatch(live, patch, patchMetaByKind.Deployment) as typeof live;
      assert.deepEqual(out.metadata.labels, { app: 'a', extra: 'x' });
      const cs = out.spec.template.spec.containers;
      assert.deepEqual(cs.map((c) => c.name), ['side', 'main']);
      const main = cs[1]!;
      assert.equal(main.image, 'i:2');
      assert.deepEqual(main.env, [{ name: 'A', value: '9' }]);
      assert.deepEqual(main.ports, [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 81 }]);
    });

    it('strategic merge patch supports $retainKeys, $deleteFromPrimitiveList and list replacement', () => {
      const live = { metadata: { finalizers: ['a', 'b'] }, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, tolerations: [{ key: 'x' }] } };
      const out = applyStrategicMergePatch(
        live,
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] }, spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' }, tolerations: [{ key: 'y' }] } },
        patchMetaByKind.Deployment,
      );
      assert.deepEqual(out, { metadata: { finalizers: ['b'] }, spec: { strategy: { type: 'Recreate' }, tolerations: [{ key: 'y' }] } });
    });
  });

  describe('kubernetes protobuf bodies', () => {
    const protoDir = fileURLToPath(new URL('../../proto/k8s/', import.meta.url));
    async function encode(apiVersion: string, kind: string, typeName: string, value: object): Promise<Buffer> {
      const root = new protobuf.Root();
      root.resolvePath = (_o, t) => path.join(protoDir, path.basename(t));
      await root.load(['runtime.proto', 'core.proto', 'apps.proto'], { keepCase: true });
      const T = root.lookupType(typeName);
      const raw = T.encode(T.fromObject(value)).finish();
      const U = root.lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
      const env = U.encode(U.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
      return Buffer.concat([Buffer.from('k8s\0', 'binary'), env]);
    }

    it('decodes a Secret as kubectl sends it (zero values dropped, bytes as base64)', async () => {
      const body = await encode('v1', 'Secret', 'k8s.io.api.core.v1.Secret', {
        metadata: { name: 'c2', namespace: 'istio-system', uid: '', resourceVersion: '', generation: 0, creationTimestamp: {}, labels: { a: 'b' } },
        data: { cluster2: Buffer.from('kubeconfig-bytes') },
        type: '',
      });
      const obj = decodeKubernetesProtobuf(body);
      assert.deepEqual(obj, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c2', namespace: 'istio-system', labels: { a: 'b' } }, data: { cluster2: Buffer.from('kubeconfig-bytes').toString('base64') } });
    });

    it('decodes a Deployment with int-or-string and a zero replicas count', async () => {
      const body = await encode('apps/v1', 'Deployment', 'k8s.io.api.apps.v1.Deployment', {
        metadata: { name: 'd' },
        spec: { replicas: 0, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }] } }, strategy: { rollingUpdate: { maxSurge: { type: 1, strVal: '25%' } } } },
      });
      const obj = decodeKubernetesProtobuf(body) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(obj.spec.replicas, 0);
      assert.equal(obj.spec.strategy.rollingUpdate.maxSurge, '25%');
      assert.deepEqual(obj.spec.template.spec.containers, [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }] }]);
    });

    it('rejects garbage with a 400 naming the problem', () => {
      for (const bad of [Buffer.from('nope'), Buffer.from('k8s\0\xff\xff\xff', 'binary'), Buffer.from('k8s\0', 'binary')]) {
        assert.throws(() => decodeKubernetesProtobuf(bad), (e: unknown) => e instanceof ApiError && e.code === 400 && e.message.length > 10);
      }
    });
  });

  describe('address pools', () => {
    it('never hands out an address in use and reuses released ones later', () => {
      const pool = new IpPool(parseCidr('10.0.0.0/29') as Cidr);
      const got = new Set<string>();
      for (let i = 0; i < 6; i++) got.add(pool.allocate()!);
      assert.equal(got.size, 6);
      assert.equal(got.has('10.0.0.0') || got.has('10.0.0.7'), false);
      assert.equal(pool.allocate(), undefined);
      pool.release('10.0.0.3');
      assert.equal(pool.allocate(), '10.0.0.3');
      assert.equal(pool.claim('10.0.0.3'), false);
    });
    it('rejects CIDRs with host bits', () => assert.match(parseCidr('10.0.0.1/24') as string, /host bits/));
  });

  describe('object store', () => {
    it('lists a namespace in name order, following adds and removes', () => {
      const registry = new ResourceRegistry();
      const type = registry.types.find((t) => t.kind === 'ConfigMap')!;
      const store = new ObjectStore(registry.types);
      const c = store.collection(type);
      const cm = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name } });
      const names = (ns: string) => c.list(ns).map((o) => o.metadata.name);
      for (const n of ['b', 'a', 'c']) c.put(cm('x', n), store.nextResourceVersion());
      c.put(cm('y', 'a'), store.nextResourceVersion());
      assert.deepEqual(names('x'), ['a', 'b', 'c']);
      c.put(cm('x', 'aa'), store.nextResourceVersion());
      assert.deepEqual(names('x'), ['a', 'aa', 'b', 'c'], 'an add shows up');
      const modified = { ...cm('x', 'b'), data: { k: 'v' } };
      c.put(modified, store.nextResourceVersion());
      assert.equal(c.list('x')[2], modified, 'a modification shows up');
      c.remove(cm('x', 'a'), store.nextResourceVersion());
      assert.deepEqual(names('x'), ['aa', 'b', 'c'], 'a remove shows up');
      for (const n of ['aa', 'b', 'c']) c.remove(cm('x', n), store.nextResourceVersion());
      assert.deepEqual(names('x'), []);
      c.put(cm('x', 'z'), store.nextResourceVersion());
      assert.deepEqual(names('x'), ['z'], 'a namespace emptied and filled again');
      assert.deepEqual(names('y'), ['a']);
    });
  });

  describe('cluster definitions', () => {
    const good = { clusterID: 'c1', network: 'n1', podCIDR: '10.1.0.0/16', serviceCIDR: '10.2.0.0/16', loadBalancerPool: '10.3.0.0/24', nodes: [{ name: 'n', internalIP: '10.4.0.1', labels: { 'topology.kubernetes.io/zone': 'z' } }] };
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...good, clusterID: undefined }, /field "clusterID": required/],
      [{ ...good, podCIDR: '10.1.0.0' }, /field "podCIDR"/],
      [{ ...good, serviceCIDR: '10.1.128.0/17' }, /field "serviceCIDR": .*overlaps podCIDR/],
      [{ ...good, nodes: [] }, /field "nodes"/],
      [{ ...good, nodes: [{ name: 'n', internalIP: 'x' }] }, /field "nodes\[0\]\.internalIP"/],
      [{ ...good, nodes: [{ name: 'n', internalIP: '10.4.0.1', labels: { zone: 3 } }] }, /nodes\[0\]\.labels\.zone/],
      [{ ...good, apiPort: 'x' }, /field "apiPort"/],
      [{ ...good, colour: 'blue' }, /field "colour": unknown field/],
    ];
    for (const [raw, re] of bad) {
      it(`refuses ${re.source}`, () => assert.throws(() => validateClusterDefinition(raw, 'x/cluster.yaml'), (e: unknown) => e instanceof Error && e.message.startsWith('x/cluster.yaml: ') && re.test(e.message)));
    }

    it('names the file and document of a bad manifest', () => {
      assert.throws(() => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkind: Service\n', 'm.yaml'), /m\.yaml \(document 2\): field "apiVersion" is required/);
      assert.throws(() => parseManifests('a: [1, 2\n', 'bad.yaml'), /bad\.yaml \(document 1\): invalid YAML/);
    });

    it('loads a folder: cluster.yaml plus multi-document manifests', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-def-'));
      try {
        const c = path.join(dir, 'c1');
        await mkdir(c);
        await writeFile(path.join(c, 'cluster.yaml'), JSON.stringify(good));
        await writeFile(path.join(c, 'b.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: m, namespace: x}}\n');
        await writeFile(path.join(c, 'notes.txt'), 'ignored');
        const def = await loadClusterFolder(c);
        assert.equal(def.clusterID, 'c1');
        assert.deepEqual(def.manifests.map((m) => m.object.kind), ['Namespace', 'ConfigMap']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
