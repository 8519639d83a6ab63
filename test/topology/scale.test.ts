// The topology stays linear in a big meshNetworks document: fromCidr lookups go through per-prefix-length
// maps (checked against the plain first-match scan they replace, on random prefixes), and gateways named
// by registryServiceName are found through a hostname index, not a scan of every Service per gateway.
// Time bounds are generous (a shared machine): they separate linear from quadratic only.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { cidrContains, parseCidr, parseIp, type Cidr } from '../../src/topology/cidr.js';
import { collectGateways, NetworkLookup, type ClusterService, type MeshNetworks } from '../../src/topology/index.js';

/** The rule the index must keep: the first fromCidr in document order that contains the address. */
function firstMatch(networks: MeshNetworks, address: string): string {
  const ip = parseIp(address);
  if (!ip) return '';
  for (const n of networks.networks) {
    for (const ep of n.endpoints) {
      if (!('fromCidr' in ep)) continue;
      const cidr = parseCidr(ep.fromCidr) as Cidr;
      if (cidrContains(cidr, ip)) return n.name;
    }
  }
  return '';
}

const v4 = fc.tuple(fc.constantFrom(10, 192, 172), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })).map((p) => p.join('.'));
const v6 = fc.tuple(fc.constantFrom('fd00', '2001'), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b, c]) => `${a}:${b}::${c}`);
const prefix = fc.oneof(
  fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([ip, len]) => `${ip}/${len}`),
  fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([ip, len]) => `${ip}/${len}`),
  v4,
);

describe('topology at scale', function () {
  this.timeout(120_000);

  it('fromCidr through the index answers what the first-match scan answers (random prefixes, shared and nested)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(prefix, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.array(fc.oneof(v4, v6, fc.constant('::ffff:10.1.2.3')), { maxLength: 20 }), (nets, addresses) => {
        const networks: MeshNetworks = { networks: nets.map((cidrs, i) => ({ name: `n${i}`, endpoints: cidrs.map((c) => ({ fromCidr: c })), gateways: [] })) };
        const lookup = new NetworkLookup(networks);
        for (const address of addresses) {
          assert.equal(lookup.networkOf({ cluster: 'c', address }).network, firstMatch(networks, address), address);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('10k fromCidr prefixes: 100k lookups stay cheap (the scan made each one test every prefix)', () => {
    const networks: MeshNetworks = {
      networks: Array.from({ length: 10_000 }, (_, i) => ({ name: `n${i}`, endpoints: [{ fromCidr: `10.${(i >> 8) & 255}.${i & 255}.0/24` }], gateways: [] })),
    };
    const lookup = new NetworkLookup(networks);
    const t = performance.now();
    let last = '';
    for (let k = 0; k < 100_000; k++) {
      const i = (k * 7919) % 10_000;
      last = lookup.networkOf({ cluster: 'c', address: `10.${(i >> 8) & 255}.${i & 255}.${k % 250}` }).network;
      if (last !== `n${i}`) assert.fail(`10.${(i >> 8) & 255}.${i & 255}.x -> ${last}`);
    }
    const ms = performance.now() - t;
    assert.ok(ms < 5_000, `${ms} ms`);
  });

  it('10k registryServiceName gateways (the network limit) over 10k Services are collected without a scan per gateway', () => {
    const n = 10_000;
    const services: ClusterService[] = Array.from({ length: n }, (_, i) => ({
      cluster: 'c1',
      namespace: 'istio-system',
      name: `gw-${i}`,
      labels: {},
      type: 'LoadBalancer',
      ports: [{ name: 'tls', port: 15443 }],
      externalIPs: [],
      loadBalancerIngress: [{ ip: `192.0.${(i >> 8) & 255}.${i & 255}` }],
    }));
    const meshNetworks: MeshNetworks = {
      networks: Array.from({ length: n }, (_, i) => ({
        name: `n${i}`,
        endpoints: [{ fromRegistry: 'c1' }],
        gateways: [{ registryServiceName: `gw-${i}.istio-system.svc.cluster.local`, port: 15443 }],
      })),
    };
    const t = performance.now();
    const out = collectGateways({ services, nodes: [], meshNetworks, lookupHostname: () => undefined });
    const ms = performance.now() - t;
    assert.equal(out.gateways.length, n);
    assert.deepEqual(out.byNetwork.get('n42')!.map((g) => [g.address, g.source]), [['192.0.0.42', 'meshNetworks-registryServiceName']]);
    assert.ok(ms < 10_000, `${ms} ms`);
  });
});
