import { strict as assert } from 'node:assert';
import { cidrContains, parseCidr, parseIp } from '../../src/topology/cidr.js';
import { parseMeshNetworks, type MeshNetworks } from '../../src/mesh-networks/index.js';
import { NetworkLookup, type NetworkSource } from '../../src/topology/index.js';

function mesh(text: string): MeshNetworks {
  const result = parseMeshNetworks(text);
  if (!result.ok) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.value;
}

describe('topology/NetworkLookup: the network of an endpoint', () => {
  const meshNetworks = mesh(`
networks:
  net-registry:
    endpoints: [{fromRegistry: cluster1}, {fromCidr: 10.99.0.0/16}]
  net-cidr-a:
    endpoints: [{fromCidr: 10.20.0.0/16}, {fromCidr: "fd00:20::/32"}]
  net-cidr-b:
    endpoints: [{fromCidr: 10.0.0.0/8}, {fromCidr: 192.0.2.7}, {fromRegistry: cluster1}, {fromRegistry: cluster4}, {fromRegistry: cluster2}]
  net-v6-wide:
    endpoints: [{fromCidr: "fd00::/8"}]
`);
  const lookup = new NetworkLookup(
    meshNetworks,
    new Map([
      ['cluster2', 'net-namespace'],
      ['cluster3', ''],
    ]),
  );

  // [what, cluster, address, pod labels, expected network, expected source]
  // cluster2 has a namespace label (net-namespace), fromRegistry (net-cidr-b) and addresses in
  // net-cidr-a's fromCidr: three different answers, so any swap of their precedence shows.
  const table: [string, string, string, Record<string, string> | undefined, string, NetworkSource][] = [
    ['pod label beats everything', 'cluster2', '10.20.0.1', { 'topology.istio.io/network': 'net-pod' }, 'net-pod', 'pod-label'],
    ['pod label beats fromRegistry', 'cluster1', '10.20.0.1', { 'topology.istio.io/network': 'net-pod' }, 'net-pod', 'pod-label'],
    ['an empty pod label counts as absent', 'cluster2', '10.20.0.1', { 'topology.istio.io/network': '' }, 'net-namespace', 'system-namespace'],
    ['system namespace label beats fromRegistry and fromCidr', 'cluster2', '10.20.0.1', {}, 'net-namespace', 'system-namespace'],
    ['an empty namespace label counts as absent', 'cluster3', '10.20.0.1', undefined, 'net-cidr-a', 'fromCidr'],
    ['fromRegistry beats fromCidr', 'cluster1', '10.20.0.1', undefined, 'net-registry', 'fromRegistry'],
    ['fromRegistry: the first network listing the cluster wins', 'cluster1', '1.1.1.1', undefined, 'net-registry', 'fromRegistry'],
    ['fromRegistry in a later network', 'cluster4', '10.20.0.1', undefined, 'net-cidr-b', 'fromRegistry'],
    ['fromCidr: first match in document order (10.20/16 before 10/8)', 'cluster9', '10.20.3.4', undefined, 'net-cidr-a', 'fromCidr'],
    ['fromCidr: the wider later prefix', 'cluster9', '10.30.3.4', undefined, 'net-cidr-b', 'fromCidr'],
    ['fromCidr of a network listed first, for an unlisted cluster', 'cluster9', '10.99.1.1', undefined, 'net-registry', 'fromCidr'],
    ['fromCidr: a bare IP is a host prefix', 'cluster9', '192.0.2.7', undefined, 'net-cidr-b', 'fromCidr'],
    ['fromCidr: next to the host prefix is outside', 'cluster9', '192.0.2.8', undefined, '', 'unknown'],
    ['fromCidr IPv6: first match', 'cluster9', 'fd00:20::1', undefined, 'net-cidr-a', 'fromCidr'],
    ['fromCidr IPv6: the wider later prefix', 'cluster9', 'fd00:21::1', undefined, 'net-v6-wide', 'fromCidr'],
    ['fromCidr IPv6: compressed in the middle', 'cluster9', 'fd00:20:0:0::1:2', undefined, 'net-cidr-a', 'fromCidr'],
    ['an IPv4-mapped IPv6 address matches IPv4 prefixes', 'cluster9', '::ffff:10.20.0.9', undefined, 'net-cidr-a', 'fromCidr'],
    ['nothing matches: unknown', 'cluster9', '172.16.0.1', undefined, '', 'unknown'],
    ['an address that is not an IP: unknown', 'cluster9', 'not-an-ip', undefined, '', 'unknown'],
  ];

  for (const [what, cluster, address, podLabels, network, source] of table) {
    it(what, () => {
      assert.deepEqual(lookup.networkOf({ cluster, address, ...(podLabels ? { podLabels } : {}) }), { network, source });
    });
  }

  it('with no meshNetworks and no labels, every endpoint is on the unknown network', () => {
    const empty = new NetworkLookup({ networks: [] });
    assert.deepEqual(empty.networkOf({ cluster: 'c1', address: '10.0.0.1' }), { network: '', source: 'unknown' });
  });

  it('is cheap: 200k lookups through fromCidr in well under a second', () => {
    const started = process.hrtime.bigint();
    let hits = 0;
    for (let i = 0; i < 200_000; i++) {
      if (lookup.networkOf({ cluster: 'cluster9', address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }).network !== '') hits++;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(hits, 200_000);
    assert.ok(ms < 1500, `took ${ms} ms`);
  });
});

describe('topology/cidr', () => {
  it('parses and matches IPv4 and IPv6 prefixes, host bits ignored', () => {
    const v4 = parseCidr('10.1.2.3/16');
    assert.ok(typeof v4 !== 'string');
    assert.ok(cidrContains(v4, parseIp('10.1.255.255')!));
    assert.ok(!cidrContains(v4, parseIp('10.2.0.0')!));
    const all = parseCidr('0.0.0.0/0');
    assert.ok(typeof all !== 'string' && cidrContains(all, parseIp('255.255.255.255')!));
    const v6 = parseCidr('2001:db8:abcd:12::/63');
    assert.ok(typeof v6 !== 'string');
    assert.ok(cidrContains(v6, parseIp('2001:db8:abcd:13:ffff::1')!));
    assert.ok(!cidrContains(v6, parseIp('2001:db8:abcd:14::')!));
    assert.ok(!cidrContains(v6, parseIp('10.0.0.1')!), 'families never match each other');
  });

  for (const bad of ['10.0.0.0/', '10.0.0.0/33', '10.0.0/8', '::/129', 'fe80::1%eth0/64', '::ffff:10.0.0.0/104', 'x/8', '10.0.0.0/8/8', '10.0.0.0/-1']) {
    it(`rejects ${bad}`, () => {
      assert.equal(typeof parseCidr(bad), 'string');
    });
  }

  it('parses every IPv6 spelling to the same words', () => {
    const words = (a: string) => parseIp(a)!.words.join(',');
    assert.equal(words('2001:db8::1'), words('2001:0db8:0000:0000:0000:0000:0000:0001'));
    assert.equal(words('::'), '0,0,0,0');
    assert.equal(words('::1'), '0,0,0,1');
    assert.equal(words('fe80::1%eth0'), words('fe80::1'));
    assert.equal(words('64:ff9b::192.0.2.1'), words('64:ff9b::c000:201'));
  });
});
