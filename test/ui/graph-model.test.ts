// The web view's picture as data (src/debug/ui/page/graph-model.ts, a pure function of the debug JSON):
// which boxes, which edges, which shares, without a browser.
import { strict as assert } from 'node:assert';
import type { ClusterzEntry, ExplainedAssignment, Networkz } from '../../src/debug/ui/page/api-types.js';
import { buildGraph, fraction, networksOf, parseClusterName, refusedSecrets, type MeshFacts } from '../../src/debug/ui/page/graph-model.js';

const cluster = (id: string, network: string, extra: Partial<ClusterzEntry> = {}): ClusterzEntry => ({
  id,
  primary: id === 'c1',
  origin: id === 'c1' ? 'primary' : 'secret',
  server: `https://${id}`,
  syncStatus: 'synced',
  network,
  stale: false,
  ...extra,
});

const networkz: Networkz = {
  gateways: [
    { network: 'n1', cluster: 'c1', address: '10.1.0.1', port: 15443, source: 'service', origin: 'c1/istio-system/gw' },
    { network: 'n2', cluster: 'c2', address: '10.2.0.1', port: 15443, source: 'service', origin: 'c2/istio-system/gw' },
  ],
  problems: [],
  unresolvedHostnames: [],
};

const facts: MeshFacts = {
  clusters: [
    cluster('c1', 'n1'),
    cluster('c2', 'n2', { stale: true, staleSince: '2026-01-01T00:00:00Z' }),
    cluster('c3', 'n2'),
    { id: 'c9', primary: false, origin: 'secret', secretName: 'bad', secretNamespace: 'istio-system', secretKey: 'c9', server: '', syncStatus: 'refused', stale: false, lastError: 'secret istio-system/bad key c9: kubeconfig user "u" uses an exec plugin, refused' },
  ],
  networkz,
  proxies: [{ proxy: 'p1', connectionId: 'x', network: 'n1', types: {} }],
};

/** What a caller on n1 receives of a service with 1 endpoint in c1 and 3 behind n2's gateway, one left out. */
const assignment: ExplainedAssignment = {
  clusterName: 'outbound|80||svc.ns.svc.cluster.local',
  clusterLoadAssignment: {},
  endpoints: [
    { endpoint: '10.10.0.1:80', weight: 1, localityWeight: 1, locality: 'r1/z1', health: 'HEALTHY', kind: 'direct', via: 'direct', network: 'n1', cluster: 'c1' },
    {
      endpoint: '10.2.0.1:15443',
      weight: 3,
      localityWeight: 3,
      locality: 'r2',
      health: 'HEALTHY',
      kind: 'gateway',
      via: 'gateway 10.2.0.1:15443 of n2',
      network: 'n2',
      endpointCount: 3,
      gateway: { address: '10.2.0.1', port: 15443, cluster: 'c2', source: 'service', origin: 'c2/istio-system/gw' },
    },
  ],
  leftOut: [{ endpoint: '10.30.0.1:80', network: 'n3', cluster: 'c3', reason: 'no-gateway', detail: 'network n3 has no gateway' }],
  explain: { callerNetwork: 'n1', multiNetwork: true, capped: false, totalWeight: 4, networks: [], ignoredGateways: [] },
};

const ids = (xs: { id: string }[]) => xs.map((x) => x.id).sort();

describe('web view graph model', () => {
  it('reduces shares the way /debug/edsz writes them', () => {
    assert.deepEqual([fraction(1, 2), fraction(2, 4), fraction(3, 4), fraction(4, 4), fraction(0, 4), fraction(1, 0)], ['1/2', '1/2', '3/4', '1/1', '0', '0']);
    assert.deepEqual(parseClusterName('outbound|5000|v2|helloworld.sample.svc.cluster.local'), { port: 5000, subset: 'v2', host: 'helloworld.sample.svc.cluster.local' });
    assert.equal(parseClusterName('inbound|1||x'), undefined);
  });

  it('knows every network the JSON names, refused clusters aside', () => {
    assert.deepEqual(networksOf(facts), ['n1', 'n2']);
    assert.deepEqual(networksOf({ ...facts, clusters: [...facts.clusters, cluster('c4', '')] }), ['n1', 'n2', '']);
  });

  it('overview: network boxes with their clusters and gateways; callers reach their own clusters directly and the others through gateways', () => {
    const g = buildGraph(facts);
    assert.deepEqual(ids(g.nodes.filter((n) => n.kind === 'network')), ['net:n1', 'net:n2']);
    assert.deepEqual(
      g.nodes.filter((n) => n.kind === 'cluster').map((n) => [n.id, n.parent, n.tone]),
      [
        ['cluster:c1', 'net:n1', 'ok'],
        ['cluster:c2', 'net:n2', 'bad'],
        ['cluster:c3', 'net:n2', 'ok'],
      ],
    );
    assert.match(g.nodes.find((n) => n.id === 'cluster:c2')!.detail!, /stale/);
    assert.deepEqual(ids(g.nodes.filter((n) => n.kind === 'gateway')), ['gw:n1:10.1.0.1:15443', 'gw:n2:10.2.0.1:15443']);
    assert.match(g.nodes.find((n) => n.id === 'callers:n1')!.detail!, /1 proxy connected/);
    assert.deepEqual(
      g.edges.map((e) => `${e.kind} ${e.source} -> ${e.target}`).sort(),
      [
        'direct callers:n1 -> cluster:c1',
        'direct callers:n2 -> cluster:c2',
        'direct callers:n2 -> cluster:c3',
        'forward gw:n1:10.1.0.1:15443 -> cluster:c1',
        'forward gw:n2:10.2.0.1:15443 -> cluster:c2',
        'forward gw:n2:10.2.0.1:15443 -> cluster:c3',
        'gateway callers:n1 -> gw:n2:10.2.0.1:15443',
        'gateway callers:n2 -> gw:n1:10.1.0.1:15443',
      ],
    );
    assert.ok(!g.nodes.some((n) => n.id.includes('c9')), 'a refused Secret is on no network: listed beside the graph');
    assert.deepEqual(refusedSecrets(facts.clusters), [
      { secret: 'istio-system/bad key c9', cluster: 'c9', reason: 'kubeconfig user "u" uses an exec plugin, refused', fullReason: facts.clusters[3]!.lastError },
    ]);
  });

  it('a service in focus: what a caller on one network receives, with shares, and the rest dimmed', () => {
    const g = buildGraph(facts, { caller: 'n1', assignment, serviceClusters: ['c1', 'c2'] });
    assert.deepEqual(ids(g.nodes.filter((n) => n.kind === 'callers')), ['callers:n1'], 'only the caller network’s callers');
    const edges = g.edges.map((e) => `${e.kind} ${e.source} -> ${e.target}${e.label ? ` [${e.label}]` : ''}`).sort();
    assert.deepEqual(edges, [
      'direct callers:n1 -> cluster:c1 [direct 1/4 · 1 endpoint]',
      'forward gw:n2:10.2.0.1:15443 -> cluster:c2',
      'gateway callers:n1 -> gw:n2:10.2.0.1:15443 [3/4 · 3 endpoints]',
      'left-out callers:n1 -> cluster:c3 [left out: no-gateway ×1]',
    ]);
    const dim = g.nodes.filter((n) => n.dim).map((n) => n.id).sort();
    assert.deepEqual(dim, ['gw:n1:10.1.0.1:15443']);
  });

  it('approximate shares are marked when the weights were capped', () => {
    const g = buildGraph(facts, { caller: 'n1', assignment: { ...assignment, explain: { ...assignment.explain, capped: true } }, serviceClusters: [] });
    assert.match(g.edges.find((e) => e.kind === 'gateway')!.label!, /^≈3\/4/);
  });
});
