// Locality load balancing through the xDS layer: which policy a cluster gets (port-level and subset
// policies, the mesh default), what a caller's node says about itself, the EDS cache variant (grows by the
// failover view only where a policy is on), and pushes when a DestinationRule changes.
import { strict as assert } from 'node:assert';
import type { MeshModel } from '../../src/mesh/mesh-model.js';
import { parseMeshConfig, effectiveMeshConfig } from '../../src/mesh-config/mesh-config.js';
import type { DestinationRule, LocalityLbSetting } from '../../src/model/istio-config.js';
import type { Endpoint, Gateway, ServiceInfo } from '../../src/model/types.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { xdsTypes } from '../../src/xds/proto.js';
import { buildCluster } from '../../src/xds/generators/cds.js';
import { IstioConfigIndex } from '../../src/xds/generators/istio-config-index.js';
import { MeshResourceProvider } from '../../src/xds/generators/mesh-resource-provider.js';
import { decodeClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import { decodeCluster, encodeEdsCluster } from '../../src/xds/resources/cluster.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';
import { callerFactsOf, parseNode } from '../../src/xds/xds-node.js';
import { networkEdsz } from '../../src/debug/views/edsz.js';
import { renderEndpoints } from '../../src/cli/commands/endpoints.js';
import { connection, fakeSource } from '../debug/fake-source.js';
import { edsz } from '../../src/debug/views/edsz.js';
import type { NetworkEdsz } from '../../src/debug/views/edsz.js';
import { configz } from '../../src/debug/views/configz.js';

const H = 'helloworld.sample.svc.cluster.local';
const NAME = `outbound|5000||${H}`;
const meta = { cluster: 'c1', namespace: 'sample', creationTimestamp: '2026-01-01T00:00:00Z' };
const OD = { consecutive5xxErrors: 1, intervalMs: 1000, baseEjectionTimeMs: 30_000 };

function service(cluster: string): ServiceInfo {
  return { hostname: H, name: 'helloworld', namespace: 'sample', cluster, type: 'ClusterIP', ports: [{ name: 'grpc', port: 5000, protocol: 'GRPC' }, { name: 'grpc2', port: 6000, protocol: 'GRPC' }], clusterIPs: [], externalIPs: [], loadBalancerIngress: [], labels: {}, annotations: {} };
}

function ep(address: string, cluster: string, network: string, zone: string): Endpoint {
  return { address, ports: { grpc: 5000, grpc2: 6000 }, cluster, network, locality: { region: 'region1', zone, subzone: '' }, health: 'healthy', namespace: 'sample', labels: { app: 'helloworld' } };
}

// network1 (c1): one pod in zone-a, one in zone-b; network2 (c2): two pods behind one gateway.
const endpoints = [ep('10.1.0.1', 'c1', 'network1', 'zone-a'), ep('10.1.0.2', 'c1', 'network1', 'zone-b'), ep('10.2.0.1', 'c2', 'network2', 'zone-a'), ep('10.2.0.2', 'c2', 'network2', 'zone-a')];
const gateway: Gateway = { network: 'network2', address: '192.0.2.2', port: 15443, cluster: 'c2', source: 'service', origin: 'istio-system/istio-eastwestgateway' };

function fakeMesh(rules: () => DestinationRule[], meshLb: () => LocalityLbSetting | undefined = () => undefined): MeshModel {
  return {
    domain: 'cluster.local',
    hostnames: () => [H],
    hasHost: (h: string) => h === H,
    serviceInstances: (h: string) => (h === H ? [service('c1'), service('c2')] : []),
    endpoints: (h: string) => (h === H ? endpoints : []),
    gateways: () => new Map([['network2', [gateway]]]),
    destinationRules: rules,
    virtualServices: () => [],
    meshLocalityLb: meshLb,
    registry: { clusters: () => [{ id: 'c1' }, { id: 'c2' }] },
  } as unknown as MeshModel;
}

const failoverRule: DestinationRule = { ...meta, name: 'hw', host: H, subsets: [], trafficPolicy: { outlierDetection: OD, loadBalancer: { localityLbSetting: { distribute: [], failover: [], failoverPriority: ['topology.istio.io/network', 'topology.kubernetes.io/zone'] } } } };

function node(id: string, zone: string, labels: Record<string, string> = {}, network = 'network1') {
  return parseNode({ id, locality: { region: 'region1', zone, subZone: '' }, metadata: jsonToStruct({ NETWORK: network, CLUSTER_ID: 'c1', LABELS: labels, NODE_NAME: `node-${id}` }) });
}

/** Per priority, the addresses sent (sorted). */
function priorities(p: MeshResourceProvider, n: ReturnType<typeof node>): string[][] {
  const [r] = p.resources(EDS, n, new Set([NAME]));
  assert.ok(r, 'an assignment');
  const any = xdsTypes().Any.decode(r.any) as unknown as { value: Uint8Array };
  const cla = decodeClusterLoadAssignment(any.value);
  assert.ok(cla.ok);
  const out: string[][] = [];
  for (const g of cla.value.endpoints) (out[g.priority] ??= []).push(...g.lbEndpoints.map((e) => e.address));
  return out.map((l) => l.sort());
}

describe('locality load balancing in the xDS layer', () => {
  it('the policy per cluster: port-level and subset policies, outlierDetection, and the mesh default', () => {
    const rule: DestinationRule = {
      ...meta,
      name: 'hw',
      host: H,
      subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { outlierDetection: OD } }, { name: 'v2', labels: { version: 'v2' } }],
      trafficPolicy: { portLevelSettings: [{ port: 6000, outlierDetection: OD }] },
    };
    const index = (rules: DestinationRule[], meshLocalityLb?: LocalityLbSetting) =>
      new IstioConfigIndex({ destinationRules: rules, virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1'], ...(meshLocalityLb ? { meshLocalityLb } : {}) });
    const i = index([rule]);
    assert.equal(i.localityLbPossible, true);
    assert.equal(i.localityLb({ host: H, port: 5000, subset: '' }).mode, 'off', 'port 5000 has no outlierDetection');
    assert.equal(i.localityLb({ host: H, port: 6000, subset: '' }).mode, 'failover', 'the port-level policy of 6000 sets one');
    assert.equal(i.localityLb({ host: H, port: 5000, subset: 'v1' }).mode, 'failover', "subset v1's own policy sets one");
    assert.equal(i.localityLb({ host: H, port: 5000, subset: 'v2' }).mode, 'off');
    assert.equal(i.localityLb({ host: H, port: 5000, subset: 'nope' }).mode, 'off', 'a subset no rule defines is no cluster');
    // Memoized: the same object for the same cluster (the EDS variant memo is keyed by it).
    assert.equal(i.localityLb({ host: H, port: 6000, subset: '' }), i.localityLb({ host: H, port: 6000, subset: '' }));
    // No rule that can turn it on, no mesh distribute: off everywhere without a lookup.
    assert.equal(index([]).localityLbPossible, false);
    assert.equal(index([]).localityLb({ host: H, port: 5000, subset: '' }).mode, 'off');
    // The mesh's distribute applies to clusters without a setting of their own.
    const meshDistribute: LocalityLbSetting = { distribute: [{ from: 'region1/*', to: [{ locality: 'region1/zone-a', weight: 80 }, { locality: 'region1/zone-b', weight: 20 }] }], failover: [], failoverPriority: [] };
    const d = index([], meshDistribute);
    assert.equal(d.localityLbPossible, true);
    const p = d.localityLb({ host: H, port: 5000, subset: '' });
    assert.equal(p.mode, 'distribute');
    assert.equal(p.mode === 'distribute' && p.source, 'mesh');
    // enabled: false in the DestinationRule wins over the mesh's distribute.
    const offRule: DestinationRule = { ...meta, name: 'off', host: H, subsets: [], trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: false, distribute: [], failover: [], failoverPriority: [] } } } };
    assert.equal(index([offRule], meshDistribute).localityLb({ host: H, port: 5000, subset: '' }).mode, 'off');
  });

  it("a caller's facts come from its node: network, cluster, locality, LABELS, NODE_NAME", () => {
    const n = node('a', 'zone-a', { app: 'client', 'topology.istio.io/network': 'network1' });
    assert.equal(n.nodeName, 'node-a');
    assert.deepEqual(callerFactsOf(n), { network: 'network1', cluster: 'c1', locality: { region: 'region1', zone: 'zone-a', subzone: '' }, labels: { app: 'client', 'topology.istio.io/network': 'network1' }, nodeName: 'node-a' });
    const bare = parseNode({ id: 'b', metadata: jsonToStruct({ NETWORK: 'network1' }) });
    assert.equal(bare.nodeName, '');
    assert.equal('nodeName' in callerFactsOf(bare), false);
  });

  it('without a policy every caller of a network shares one entry, whatever its locality and labels', () => {
    const p = new MeshResourceProvider(fakeMesh(() => []), { systemNamespace: 'istio-system' });
    const a = priorities(p, node('a', 'zone-a'));
    const b = priorities(p, node('b', 'zone-b', { app: 'x' }));
    assert.deepEqual(a, [['10.1.0.1', '10.1.0.2', '192.0.2.2']]);
    assert.deepEqual(b, a);
    assert.equal(p.cacheSizes().entries, 1);
    assert.equal(p.cacheSizes().variants, 1);
  });

  it('with a failover rule: priorities per caller; callers with the same failover view share the bytes', () => {
    const p = new MeshResourceProvider(fakeMesh(() => [failoverRule]), { systemNamespace: 'istio-system' });
    // [network, zone]: own network and zone, own network other zone, then network2 through its gateway.
    assert.deepEqual(priorities(p, node('a', 'zone-a')), [['10.1.0.1'], ['10.1.0.2'], ['192.0.2.2']]);
    assert.deepEqual(priorities(p, node('b', 'zone-b')), [['10.1.0.2'], ['10.1.0.1'], ['192.0.2.2']]);
    // Another caller in zone-a with other labels and another node: the same view, the same entry.
    assert.deepEqual(priorities(p, node('c', 'zone-a', { app: 'other' })), [['10.1.0.1'], ['10.1.0.2'], ['192.0.2.2']]);
    assert.equal(p.cacheSizes().entries, 2, JSON.stringify(p.cacheSizes()));
    // A network2 caller: its own pods first (no gateway for its own network), network1's pods are reachable only via a gateway (none): left out.
    assert.deepEqual(priorities(p, node('d', 'zone-a', {}, 'network2')), [['10.2.0.1', '10.2.0.2']]);
  });

  it('a DestinationRule change pushes the host for EDS too, and the next answer has the new priorities', () => {
    let rules: DestinationRule[] = [];
    const p = new MeshResourceProvider(fakeMesh(() => rules), { systemNamespace: 'istio-system' });
    const n = node('a', 'zone-a');
    assert.deepEqual(priorities(p, n), [['10.1.0.1', '10.1.0.2', '192.0.2.2']]);
    rules = [failoverRule];
    const push = p.onMeshChanges({ full: false, services: new Set(), endpoints: new Set(), configHosts: new Set([H]), since: Date.now() });
    assert.ok(push?.changes?.get(EDS)?.has(H), `EDS pushed for ${H}: ${JSON.stringify([...(push?.changes?.keys() ?? [])])}`);
    assert.deepEqual(priorities(p, n), [['10.1.0.1'], ['10.1.0.2'], ['192.0.2.2']]);
    // A wildcard rule's change reaches every service it covers.
    rules = [];
    const wild = p.onMeshChanges({ full: false, services: new Set(), endpoints: new Set(), configHosts: new Set(['*.sample.svc.cluster.local']), since: Date.now() });
    assert.ok(wild?.changes?.get(EDS)?.has(H));
    assert.deepEqual(priorities(p, n), [['10.1.0.1', '10.1.0.2', '192.0.2.2']]);
  });

  it('the mesh default: a full change re-reads it', () => {
    let meshLb: LocalityLbSetting | undefined;
    const p = new MeshResourceProvider(fakeMesh(() => [], () => meshLb), { systemNamespace: 'istio-system' });
    const n = node('a', 'zone-a');
    assert.deepEqual(priorities(p, n), [['10.1.0.1', '10.1.0.2', '192.0.2.2']]);
    meshLb = { enabled: false, distribute: [], failover: [], failoverPriority: [] };
    assert.equal(p.onMeshChanges({ full: true, services: new Set(), endpoints: new Set(), configHosts: new Set(), since: Date.now(), reason: 'mesh config changed' })?.full, true);
    assert.equal(p.config.meshLocalityLb.enabled, false);
  });

  it('CDS: outlier detection as istiod maps it, and the panic threshold', () => {
    const mesh = fakeMesh(() => [failoverRule]);
    const config = new IstioConfigIndex({ destinationRules: [{ ...failoverRule, trafficPolicy: { ...failoverRule.trafficPolicy!, outlierDetection: { ...OD, consecutiveGatewayErrors: 0, maxEjectionPercent: 50, minHealthPercent: 30 } } }], virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1'] });
    const c = buildCluster(mesh, config, { host: H, port: 5000, subset: '' }, false)!;
    assert.deepEqual(c.outlierDetection, { enforcingSuccessRate: 0, consecutive5xx: 1, enforcingConsecutive5xx: 100, consecutiveGatewayFailure: 0, enforcingConsecutiveGatewayFailure: 0, intervalMs: 1000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 });
    assert.equal(c.healthyPanicThreshold, 30);
    assert.equal(c.localityWeighted, true, 'failoverPriority written: locality weighted, as istiod sets it');
    const decoded = decodeCluster(encodeEdsCluster(c));
    assert.ok(decoded.ok);
    assert.deepEqual(decoded.value.outlierDetection, c.outlierDetection);
    assert.equal(decoded.value.healthyPanicThreshold, 30);
    // Without outlierDetection: none of it.
    const plain = buildCluster(mesh, new IstioConfigIndex({ destinationRules: [], virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1'] }), { host: H, port: 5000, subset: '' }, true)!;
    assert.equal(plain.outlierDetection, undefined);
    assert.equal(plain.healthyPanicThreshold, undefined);
    assert.equal(plain.localityWeighted, undefined);
  });
});

describe('/debug/edsz and horizon endpoints with locality load balancing', () => {
  const p = new MeshResourceProvider(fakeMesh(() => [failoverRule]), { systemNamespace: 'istio-system' });
  const source = fakeSource({ hostnames: [H] }, { resources: { clusterNames: () => [NAME], explainAssignment: (n, v, c) => p.explainAssignment(n, v, c) } });

  it('a network1 caller in zone-a: each endpoint with its priority and why; the failover order says where it goes next', () => {
    const r = networkEdsz(source, new URLSearchParams({ network: 'network1', locality: 'region1/zone-a', labels: 'app=client' }));
    assert.deepEqual(r.view, { network: 'network1', locality: 'region1/zone-a', labels: { app: 'client' } });
    const [a] = r.assignments;
    assert.ok(a);
    assert.deepEqual(a.localityLb, { mode: 'failover', source: 'destinationrule' });
    assert.deepEqual(a.endpoints.map((e) => [e.address, e.priority]), [['10.1.0.1', 0], ['10.1.0.2', 1], ['192.0.2.2', 2]]);
    assert.match(a.endpoints[1]!.why!, /differs on topology\.kubernetes\.io\/zone/);
    assert.match(a.endpoints[2]!.why!, /another network/);
    // If zone-a fails: priority 1, one endpoint in zone-b; then network2 through its gateway, two endpoints behind it.
    assert.deepEqual(a.failoverOrder!.map((s) => [s.priority, s.direct, s.viaGateways, s.addresses, s.networks]), [[0, 1, 0, 1, ['network1']], [1, 1, 0, 1, ['network1']], [2, 0, 2, 1, ['network2']]]);
    const text = renderEndpoints(r);
    assert.match(text, /locality load balancing: failover \(from the DestinationRule\)/);
    assert.match(text, /priority 2: 0 endpoints direct, 2 endpoints via gateways \(network2\)/);
  });

  it('?proxyID=&explain=true: the names a proxy was sent, explained with its own locality', () => {
    const conn = connection('conn-1', { id: 'sleep-zone-b', locality: { region: 'region1', zone: 'zone-b', subZone: '' }, metadata: jsonToStruct({ NETWORK: 'network1', LABELS: { app: 'sleep' } }) }, {
      types: [{ typeUrl: EDS, kind: 'EDS', wildcard: false, subscribed: [NAME], sent: { [NAME]: 'v' }, staleRequests: 0, pending: false }],
    });
    const withConn = fakeSource({ hostnames: [H], connections: [conn] }, { resources: { clusterNames: () => [NAME], explainAssignment: (n, v, c) => p.explainAssignment(n, v, c) } });
    const r = edsz(withConn, new URLSearchParams({ proxyID: 'sleep-zone-b', explain: 'true' })) as NetworkEdsz;
    assert.deepEqual(r.view, { network: 'network1', locality: 'region1/zone-b', labels: { app: 'sleep' }, proxy: 'conn-1' });
    assert.deepEqual(r.assignments[0]!.endpoints.map((e) => [e.address, e.priority]), [['10.1.0.2', 0], ['10.1.0.1', 1], ['192.0.2.2', 2]]);
  });

  it('/debug/configz: the locality load balancing per port and subset, and the warnings a rule was accepted with', () => {
    const rule: DestinationRule = { ...failoverRule, subsets: [{ name: 'v1', labels: { version: 'v1' }, trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: false, distribute: [], failover: [], failoverPriority: [] } } } }], warnings: ['trafficPolicy.loadBalancer.localityLbSetting.failover: ignored without outlierDetection'] };
    const index = new IstioConfigIndex({ destinationRules: [rule], virtualServices: [], systemNamespace: 'istio-system', clusterOrder: ['c1'] });
    const src = fakeSource({ hostnames: [H] }, {
      mesh: { serviceInstances: () => [service('c1')] },
      config: { destinationRules: () => [rule], destinationRuleChoice: (h) => index.destinationRuleChoice(h), localityLb: (h, port, subset) => index.localityLb({ host: h, port, subset }) },
    });
    const [host] = configz(src, new URLSearchParams()).hosts;
    assert.deepEqual(host!.destinationRule?.warnings, rule.warnings);
    assert.deepEqual(
      host!.localityLb.map((l) => [l.port, l.subset, l.mode, l.failoverPriority ?? l.reason]),
      [
        [5000, '', 'failover', ['topology.istio.io/network', 'topology.kubernetes.io/zone']],
        [5000, 'v1', 'off', 'localityLbSetting.enabled is false in the DestinationRule'],
        [6000, '', 'failover', ['topology.istio.io/network', 'topology.kubernetes.io/zone']],
        [6000, 'v1', 'off', 'localityLbSetting.enabled is false in the DestinationRule'],
      ],
    );
  });

  it('the same caller in zone-b gets the mirror order; bad facts are 400s', () => {
    const r = networkEdsz(source, new URLSearchParams({ network: 'network1', locality: 'region1/zone-b' }));
    assert.deepEqual(r.assignments[0]!.endpoints.map((e) => [e.address, e.priority]), [['10.1.0.2', 0], ['10.1.0.1', 1], ['192.0.2.2', 2]]);
    assert.throws(() => networkEdsz(source, new URLSearchParams({ network: 'network1', locality: 'a/b/c/d' })), /more than three parts/);
    assert.throws(() => networkEdsz(source, new URLSearchParams({ network: 'network1', labels: 'novalue' })), /not key=value/);
    const many = Array.from({ length: 65 }, (_, i) => `k${i}=v`).join(',');
    assert.throws(() => networkEdsz(source, new URLSearchParams({ network: 'network1', labels: many })), /at most 64/);
  });
});

describe('mesh config (localityLbSetting)', () => {
  it('reads localityLbSetting and nothing else; absent is Istio default', () => {
    const r = parseMeshConfig('defaultConfig:\n  discoveryAddress: istiod:15012\nlocalityLbSetting:\n  enabled: true\n  failoverPriority: [topology.istio.io/network]\n', 'configmap istio-system/istio key mesh');
    assert.ok(r.ok);
    assert.deepEqual(r.value.localityLbSetting?.failoverPriority, ['topology.istio.io/network']);
    const none = parseMeshConfig('defaultConfig: {}\n', 'x');
    assert.ok(none.ok);
    assert.equal(none.value.localityLbSetting, undefined);
    const empty = parseMeshConfig('', 'x');
    assert.ok(empty.ok && empty.value.localityLbSetting === undefined);
  });

  it('refuses what is wrong, saying where; bounded in size', () => {
    const bad = parseMeshConfig('localityLbSetting:\n  distribute: 3\n', 'file /m.yaml');
    assert.ok(!bad.ok);
    assert.match(bad.error, /file \/m\.yaml: line 1: localityLbSetting\.distribute/);
    assert.ok(!parseMeshConfig('- a list\n', 'x').ok);
    const big = parseMeshConfig(`x: "${'a'.repeat(2000)}"\n`, 'x', { meshConfigBytes: 1000 });
    assert.ok(!big.ok);
    assert.match(big.error, /mesh-config-bytes|1000/);
    const many = parseMeshConfig(`localityLbSetting:\n  failoverPriority: [${Array.from({ length: 300 }, (_, i) => `k${i}`).join(', ')}]\n`, 'x');
    assert.ok(!many.ok);
    assert.match(many.error, /at most 256/);
  });

  it('the file wins over the ConfigMap; neither: the default', () => {
    const a = { localityLbSetting: { enabled: false, distribute: [], failover: [], failoverPriority: [] } };
    assert.equal(effectiveMeshConfig({ configMap: a, file: {} }).from, 'file');
    assert.equal(effectiveMeshConfig({ configMap: a, file: undefined }).from, 'configmap');
    assert.equal(effectiveMeshConfig({ configMap: undefined, file: undefined }).from, 'default');
  });
});
