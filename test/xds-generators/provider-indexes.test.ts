// The provider's indexes in front of its cache are keyed by what clients ask for (any syntactically valid
// cluster name, any REQUESTED_NETWORK_VIEW text): they must not grow without bound.
import { strict as assert } from 'node:assert';
import type { MeshModel } from '../../src/mesh/mesh-model.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { MeshResourceProvider } from '../../src/xds/generators/mesh-resource-provider.js';
import { parseNode } from '../../src/xds/xds-node.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';

// An empty mesh: every name asked for is of a service that does not exist.
const mesh = {
  domain: 'cluster.local',
  hostnames: () => [],
  serviceInstances: () => [],
  endpoints: () => [],
  gateways: () => [],
  destinationRules: () => [],
  virtualServices: () => [],
  registry: { clusters: () => [] },
} as unknown as MeshModel;

const node = (view: string) => parseNode({ id: 'n', metadata: jsonToStruct({ NETWORK: 'network1', REQUESTED_NETWORK_VIEW: view }) });
const names = (i: number) => new Set([`outbound|80||svc-${i}.ns.svc.cluster.local`]);

describe('mesh resource provider indexes', () => {
  it('names and views clients ask for are forgotten on a full change; every stream asks again then', () => {
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system' });
    for (let i = 0; i < 500; i++) assert.deepEqual(p.resources(EDS, node(`view-${i % 50}`), names(i)), []);
    assert.deepEqual(p.indexSizes(), { hosts: 500, names: 500, edsKeys: 500, edsViews: 50, limit: 200_000 });
    const push = p.onMeshChanges({ full: true, services: new Set(), endpoints: new Set(), configHosts: new Set(), since: Date.now() });
    assert.equal(push?.full, true);
    assert.deepEqual(p.indexSizes(), { hosts: 0, names: 0, edsKeys: 0, edsViews: 0, limit: 200_000 });
    // What is still subscribed is asked for again (the full push) and remembered again.
    p.resources(EDS, node('view-0'), names(7));
    assert.deepEqual(p.indexSizes(), { hosts: 1, names: 1, edsKeys: 1, edsViews: 1, limit: 200_000 });
    const later = p.onMeshChanges({ full: false, services: new Set(['svc-7.ns.svc.cluster.local']), endpoints: new Set(), configHosts: new Set(), since: Date.now() });
    assert.deepEqual([...(later?.changes?.get(EDS) ?? [])], [...names(7)], 'its subscribers still hear of the host');
  });

  it('a view whose cached entries all left the cache leaves the view index too', () => {
    // Room for about 10 entries (256 bytes each for a resource that does not exist).
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system', cacheMaxBytes: 10 * 256 });
    for (let i = 0; i < 200; i++) p.resources(EDS, node(`view-${i}`), names(i % 3));
    assert.ok(p.stats().entries <= 10);
    assert.ok(p.indexSizes().edsViews <= p.stats().entries, JSON.stringify(p.indexSizes()));
  });

  it('names of services that never exist cannot pile up: past the limit the next change is a full push, and live subscriptions reset the limit', () => {
    const p = new MeshResourceProvider(mesh, { systemNamespace: 'istio-system', maxRememberedNames: 100 });
    const change = (host = 'svc-1.ns.svc.cluster.local') => p.onMeshChanges({ full: false, services: new Set([host]), endpoints: new Set(), configHosts: new Set(), since: Date.now() });
    for (let i = 0; i < 100; i++) p.resources(EDS, node('v'), names(i));
    assert.notEqual(change()?.full, true, 'at the limit: an ordinary push');
    p.resources(EDS, node('v'), names(100));
    const refresh = change();
    assert.equal(refresh?.full, true, 'past the limit: a full push');
    assert.match(refresh?.reason ?? '', /over 100 names/);
    assert.equal(p.indexSizes().names, 0, 'everything forgotten until streams ask again');
    // The full push: live subscriptions (here 150 names, more than the limit alone) are asked for again.
    for (let i = 0; i < 150; i++) p.resources(EDS, node('v'), names(i));
    assert.notEqual(change()?.full, true, 'live subscriptions alone never cause another refresh');
    assert.equal(p.indexSizes().limit, 300, 'the limit became twice what is live');
    for (let i = 150; i < 300; i++) p.resources(EDS, node('v'), names(i));
    assert.notEqual(change()?.full, true);
    p.resources(EDS, node('v'), names(300));
    assert.equal(change()?.full, true, 'and past the new limit, refreshed again');
  });
});
