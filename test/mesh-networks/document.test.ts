import { strict as assert } from 'node:assert';
import { parseMeshNetworks } from '../../src/mesh-networks/index.js';

describe('topology/parseMeshNetworks', () => {
  it('parses the documented format, keeping networks and entries in document order', () => {
    const result = parseMeshNetworks(
      [
        'networks:',
        '  network2:',
        '    endpoints:',
        '    - fromRegistry: cluster2',
        '    - fromCidr: 10.20.0.0/16',
        '    gateways:',
        '    - registryServiceName: istio-eastwestgateway.istio-system.svc.cluster.local',
        '      port: 15443',
        '  network1:',
        '    endpoints: [{fromRegistry: cluster1}]',
        '    gateways: [{address: 192.0.2.10, port: 15443, locality: us-east1/a}]',
        '',
      ].join('\n'),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value, {
      networks: [
        {
          name: 'network2',
          endpoints: [{ fromRegistry: 'cluster2' }, { fromCidr: '10.20.0.0/16' }],
          gateways: [{ registryServiceName: 'istio-eastwestgateway.istio-system.svc.cluster.local', port: 15443 }],
        },
        { name: 'network1', endpoints: [{ fromRegistry: 'cluster1' }], gateways: [{ address: '192.0.2.10', port: 15443, locality: 'us-east1/a' }] },
      ],
    });
    assert.deepEqual(result.warnings, []);
  });

  it('accepts JSON text, proto field names (as protojson does) and a port given as a decimal string', () => {
    const result = parseMeshNetworks(
      JSON.stringify({
        networks: {
          n1: {
            endpoints: [{ from_cidr: 'fd00:10::/64' }, { from_registry: 'c1' }],
            gateways: [{ registry_service_name: 'gw.istio-system.svc.cluster.local', port: '15443' }, { address: 'gw.example.com', port: 443 }],
          },
        },
      }),
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.networks[0], {
      name: 'n1',
      endpoints: [{ fromCidr: 'fd00:10::/64' }, { fromRegistry: 'c1' }],
      gateways: [
        { registryServiceName: 'gw.istio-system.svc.cluster.local', port: 15443 },
        { address: 'gw.example.com', port: 443 },
      ],
    });
  });

  for (const [what, text] of [
    ['an empty document', ''],
    ['a comment only', '# nothing yet\n'],
    ['networks: with nothing under it', 'networks:\n'],
    ['networks: {}', 'networks: {}\n'],
  ] as const) {
    it(`${what} means no networks`, () => {
      const result = parseMeshNetworks(text);
      assert.ok(result.ok);
      assert.deepEqual(result.value, { networks: [] });
    });
  }

  it('a network with nothing under it is a network with no endpoints and no gateways', () => {
    const result = parseMeshNetworks('networks:\n  n1:\n  n2: {endpoints: [], gateways: []}\n');
    assert.ok(result.ok);
    assert.deepEqual(result.value.networks, [
      { name: 'n1', endpoints: [], gateways: [] },
      { name: 'n2', endpoints: [], gateways: [] },
    ]);
  });

  it('says what is wrong and where, in the documented shape', () => {
    const text = ['networks:', '  network2:', '    gateways:', '    - address: 192.0.2.10', '      port: 70000', ''].join('\n');
    const result = parseMeshNetworks(text, { source: 'mesh networks file /x/y.yaml' });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.errors.map((e) => e.message),
      ['mesh networks file /x/y.yaml: line 5, column 13: network "network2" gateway 0: port must be 1-65535, found number 70000'],
    );
    assert.deepEqual({ line: result.errors[0]!.line, column: result.errors[0]!.column }, { line: 5, column: 13 });
  });

  // [what, document, [line, column, message fragment] of every expected error]
  const cases: [string, string, [number, number, string][]][] = [
    ['unknown top-level field', 'networks: {}\nnetwork1: {}\n', [[2, 1, 'unknown field "network1" (expected networks)']]],
    ['a whole ConfigMap-style wrapper, with a hint', 'meshNetworks:\n  networks: {}\n', [[1, 1, 'give the value of the ConfigMap key meshNetworks']]],
    ['unknown network field', 'networks:\n  n1:\n    endpoint: []\n', [[3, 5, 'network "n1": unknown field "endpoint" (expected endpoints, gateways)']]],
    ['unknown endpoint field', 'networks:\n  n1:\n    endpoints:\n    - {fromRegistry: c1, weight: 2}\n', [[4, 26, 'network "n1" endpoint 0: unknown field "weight"']]],
    ['unknown gateway field', 'networks:\n  n1:\n    gateways:\n    - {address: 1.2.3.4, port: 1, network: n1}\n', [[4, 35, 'network "n1" gateway 0: unknown field "network"']]],
    [
      'endpoint with both fromRegistry and fromCidr',
      'networks:\n  n1:\n    endpoints:\n    - fromRegistry: c1\n      fromCidr: 10.0.0.0/8\n',
      [[4, 7, 'network "n1" endpoint 0: has both fromRegistry and fromCidr; give exactly one']],
    ],
    ['endpoint with neither', 'networks:\n  n1:\n    endpoints:\n    - {}\n', [[4, 7, 'network "n1" endpoint 0: needs exactly one of fromRegistry or fromCidr']]],
    ['endpoint that is not a map', 'networks:\n  n1:\n    endpoints:\n    - c1\n', [[4, 7, 'network "n1" endpoint 0: must be a map with fromRegistry or fromCidr, found string "c1"']]],
    ['bad CIDR', 'networks:\n  n1:\n    endpoints:\n    - fromCidr: 10.0.0.300/8\n', [[4, 17, 'network "n1" endpoint 0: fromCidr "10.0.0.300/8" is not a valid CIDR block']]],
    ['CIDR prefix too long', 'networks:\n  n1:\n    endpoints:\n    - fromCidr: fd00::/129\n', [[4, 17, 'fromCidr "fd00::/129" is not a valid CIDR block (prefix length must be 0-128)']]],
    ['empty fromRegistry', 'networks:\n  n1:\n    endpoints:\n    - fromRegistry: ""\n', [[4, 21, 'fromRegistry must be a non-empty string, found string ""']]],
    ['gateway without address or registryServiceName', 'networks:\n  n1:\n    gateways:\n    - port: 15443\n', [[4, 7, 'network "n1" gateway 0: needs an address or a registryServiceName']]],
    [
      'gateway with both address and registryServiceName',
      'networks:\n  n1:\n    gateways:\n    - {address: 1.2.3.4, registryServiceName: a.b.svc.cluster.local, port: 1}\n',
      [[4, 7, 'network "n1" gateway 0: has both address and registryServiceName; give exactly one']],
    ],
    ['gateway without port', 'networks:\n  n1:\n    gateways:\n    - address: 1.2.3.4\n', [[4, 7, 'network "n1" gateway 0: port is required (1-65535)']]],
    ['port 0', 'networks:\n  n1:\n    gateways:\n    - {address: 1.2.3.4, port: 0}\n', [[4, 32, 'port must be 1-65535, found number 0']]],
    ['port not a number', 'networks:\n  n1:\n    gateways:\n    - {address: 1.2.3.4, port: https}\n', [[4, 32, 'port must be 1-65535, found string "https"']]],
    ['fractional port', 'networks:\n  n1:\n    gateways:\n    - {address: 1.2.3.4, port: 443.5}\n', [[4, 32, 'port must be 1-65535, found number 443.5']]],
    ['address neither IP nor DNS name', 'networks:\n  n1:\n    gateways:\n    - {address: "gw_1!", port: 1}\n', [[4, 17, 'address "gw_1!" is not an IP address or a DNS name']]],
    ['bad registryServiceName', 'networks:\n  n1:\n    gateways:\n    - {registryServiceName: "*.svc", port: 1}\n', [[4, 29, 'registryServiceName "*.svc" is not a fully qualified service name']]],
    ['networks is a list', 'networks:\n- n1\n', [[2, 1, 'networks must be a map of network name to network, found a list']]],
    ['networks is a string', 'networks: n1\n', [[1, 11, 'networks must be a map of network name to network, found string "n1"']]],
    ['a network is a list', 'networks:\n  n1:\n  - fromRegistry: c1\n', [[3, 3, 'network "n1": must be a map with endpoints and gateways, found a list']]],
    ['endpoints is a map', 'networks:\n  n1:\n    endpoints: {fromRegistry: c1}\n', [[3, 16, 'network "n1": endpoints must be a list, found a map']]],
    ['document is a list', '- networks\n', [[1, 1, 'expected a map with a "networks" key, found a list']]],
    ['duplicate network name', 'networks:\n  n1: {}\n  n1: {}\n', [[3, 3, 'YAML syntax: Map keys must be unique']]],
    [
      'YAML syntax errors (all of them)',
      'networks:\n  n1: {endpoints: [\n',
      [
        [3, 1, 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]'],
        [3, 1, 'YAML syntax: Flow map in block collection must be sufficiently indented and end with a }'],
      ],
    ],
    [
      'several errors at once, reported in document order',
      'networks:\n  n1:\n    endpoints:\n    - fromCidr: nope\n    gateways:\n    - {address: 1.2.3.4, port: -1}\n  n2: 7\n',
      [
        [4, 17, 'fromCidr "nope" is not a valid CIDR block'],
        [6, 32, 'port must be 1-65535, found number -1'],
        [7, 7, 'network "n2": must be a map with endpoints and gateways, found number 7'],
      ],
    ],
  ];

  for (const [what, text, expected] of cases) {
    it(`rejects ${what}`, () => {
      const result = parseMeshNetworks(text, { source: 'meshNetworks (configmap istio-system/istio)' });
      assert.ok(!result.ok, 'should be rejected');
      assert.equal(result.errors.length, expected.length, result.errors.map((e) => e.message).join('\n'));
      expected.forEach(([line, column, fragment], i) => {
        const error = result.errors[i]!;
        assert.ok(error.message.includes(fragment), `${error.message}\n  should include: ${fragment}`);
        assert.ok(error.message.startsWith(`meshNetworks (configmap istio-system/istio): line ${line}, column ${column}: `), error.message);
        assert.deepEqual([error.line, error.column], [line, column]);
      });
    });
  }

  it('warns (and lets the first network win) when two networks claim the same cluster in fromRegistry', () => {
    const result = parseMeshNetworks('networks:\n  n1: {endpoints: [{fromRegistry: c1}]}\n  n2: {endpoints: [{fromRegistry: c1}]}\n');
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!.message, /line 3, column 3: network "n2": fromRegistry "c1" is already claimed by network "n1"; the first one wins/);
  });

  it('never throws, whatever the input', () => {
    for (const text of ['{', ']]]', '\t\u0000', 'networks: !!binary AAAA', 'networks:\n  ? [a]\n  : 1\n', '&a [*a]', 'networks: {1: {}}']) {
      const result = parseMeshNetworks(text);
      assert.equal(typeof result.ok, 'boolean');
      if (!result.ok) for (const e of result.errors) assert.ok(e.message.length > 0);
    }
  });
});
