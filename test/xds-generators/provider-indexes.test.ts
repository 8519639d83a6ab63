// Everything the provider keeps is keyed by what clients ask for (any syntactically valid cluster name,
// any REQUESTED_NETWORK_VIEW text): it must stay within the cache's byte bound, and a debug read must not
// touch it at all.
import { strict as assert } from 'node:assert';
import type { MeshModel } from '../../src/mesh/mesh-model.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { MeshResourceProvider } from '../../src/xds/generators/mesh-resource-provider.js';
import { parseNode } from '../../src/xds/xds-node.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS, CLUSTER_TYPE as CDS, LISTENER_TYPE as LDS, ROUTE_CONFIGURATION_TYPE as RDS } from '../../src/xds/type-urls.js';

// An empty mesh: every name asked for is of a service that does not exist.
const mesh = {
  domain: 'cluster.local',
  hostnames: () => [],
  serviceInstances: () => [],
  endpoints: () => [],
  gateways: () => [],
  destinationRules: () => [],
  virtualServices: () => [],
  hasHost: () => false,
  meshLocalityLb: () => undefined,
  registry: { clusters: () => [] },
} as unknown as MeshModel;

const node = (view: string) => parseNode({ id: 'n', metadata: jsonToStruct({ NETWORK: 'network1', REQUESTED_NETWORK_VIEW: view }) });
const name = (i: number) => `outbound|80||svc-${i}.ns.svc.cluster.local`;
const names = (i: number) => new Set([name(i)]);
const change = (host: string) => ({ full: false, services: new Set<string>(), endpoints: new Set([host]), configHosts: new Set<string>(), since: Date.now() });

describe('mesh resource provider cache', () => {
  it('names and views clients ask for are cached within the byte bound, however many they ask', () => {
    // Room for about 100 entries (256 bytes each for a resource that does not exist).
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system', cacheMaxBytes: 100 * 256 });
    for (let i = 0; i < 10_000; i++) assert.deepEqual(p.resources(EDS, node(`view-${i % 500}`), names(i)), []);
    const sizes = p.cacheSizes();
    assert.ok(sizes.entries <= 100, JSON.stringify(sizes));
    assert.ok(sizes.hosts <= sizes.entries && sizes.variants <= sizes.entries, `indexes follow the entries: ${JSON.stringify(sizes)}`);
    assert.ok(sizes.bytes <= 100 * 256);
  });

  it('a full change empties the cache; a change of a host pushes that host, whoever asked for what', () => {
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system' });
    for (let i = 0; i < 500; i++) p.resources(EDS, node(`view-${i % 50}`), names(i));
    assert.deepEqual(p.cacheSizes(), { entries: 500, stale: 0, bytes: 500 * 256, hosts: 500, variants: 50 });
    const full = p.onMeshChanges({ full: true, services: new Set(), endpoints: new Set(), configHosts: new Set(), since: Date.now() });
    assert.equal(full?.full, true);
    assert.deepEqual(p.cacheSizes(), { entries: 0, stale: 0, bytes: 0, hosts: 0, variants: 0 });
    p.resources(EDS, node('view-0'), names(7));
    const push = p.onMeshChanges(change('svc-7.ns.svc.cluster.local'));
    assert.deepEqual([...(push?.changes?.get(EDS) ?? [])], ['svc-7.ns.svc.cluster.local']);
    assert.equal(push?.changes?.has(CDS), false, 'an endpoint change concerns EDS only');
    assert.deepEqual([p.cacheSizes().entries, p.cacheSizes().stale], [1, 1], "the host's entry is stale");
    const misses = p.stats().misses;
    p.resources(EDS, node('view-0'), names(7));
    assert.deepEqual([p.stats().misses, p.cacheSizes().stale], [misses + 1, 0], 'and regenerated on the next ask');
    p.onMeshChanges(change('svc-7.ns.svc.cluster.local'));
    p.resources(EDS, node('view-0'), names(7));
    assert.equal(p.cacheSizes().entries, 1);
    // Names that are no cluster name are neither generated nor cached.
    assert.deepEqual(p.resources(EDS, node('view-0'), new Set(['not-a-cluster', 'outbound|0||x'])), []);
    assert.equal(p.cacheSizes().entries, 1);
    assert.equal(p.hostOf(EDS, name(3)), 'svc-3.ns.svc.cluster.local');
    assert.equal(p.hostOf(EDS, 'not-a-cluster'), undefined);
  });

  it('listener and route names: filed under their service, a one-label name under its label, which every such service pushes', () => {
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system' });
    assert.equal(p.hostOf(LDS, 'helloworld.sample:5000'), 'helloworld.sample.svc.cluster.local');
    assert.equal(p.hostOf(RDS, 'helloworld.sample.svc.cluster.local:5000'), 'helloworld.sample.svc.cluster.local');
    assert.equal(p.hostOf(LDS, 'helloworld:5000'), 'helloworld', 'its service depends on the caller namespace');
    assert.equal(p.hostOf(LDS, 'helloworld'), undefined, 'no port: never a listener');
    const push = p.onMeshChanges({ full: false, services: new Set(['helloworld.sample.svc.cluster.local']), endpoints: new Set(), configHosts: new Set(), since: 0 });
    assert.deepEqual([...push!.changes!.get(LDS)!].sort(), ['helloworld', 'helloworld.sample.svc.cluster.local']);
    assert.deepEqual([...push!.changes!.get(RDS)!].sort(), ['helloworld', 'helloworld.sample.svc.cluster.local']);
    assert.deepEqual([...push!.changes!.get(EDS)!], ['helloworld.sample.svc.cluster.local']);
  });

  it('debug reads (generateUncached, explain*) neither fill nor read the cache', () => {
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system' });
    p.resources(EDS, node('v'), names(1));
    const before = p.stats();
    p.generateUncached(EDS, node('v'), [name(1), name(2)]);
    p.generateUncached(CDS, node('v'), undefined);
    p.explainAssignment(name(3), { network: 'network1' });
    p.explainRoutes('svc-3.ns.svc.cluster.local', 80);
    p.clusterNames();
    assert.deepEqual(p.stats(), before);
  });
});
