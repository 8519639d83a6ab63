// The hand-written hot-path codecs against protobufjs's reflection codecs over the same .proto files:
// the ClusterLoadAssignment encoder must produce the message the reflection encoder would (decoded,
// field for field), and the DiscoveryRequest reader must read what the reflection decoder reads,
// including requests with a node, NACKs, unknown fields and fields in any order.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decodeDiscoveryRequest, encodeDiscoveryRequest, readDiscoveryRequest } from '../../src/xds/codec/requests.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { TO_OBJECT, xdsTypes } from '../../src/xds/proto.js';
import { encodeClusterLoadAssignment, type ClusterLoadAssignmentInput } from '../../src/xds/resources/cluster-load-assignment.js';

const HEALTH = { UNKNOWN: 0, HEALTHY: 1 } as const;

/** What the reflection encoder produced from the same input (the encoder's former implementation). */
function reflectionCla(input: ClusterLoadAssignmentInput): Uint8Array {
  return xdsTypes()
    .ClusterLoadAssignment.encode({
      clusterName: input.clusterName,
      endpoints: input.endpoints.map((g) => {
        const weights = g.lbEndpoints.map((e) => e.loadBalancingWeight ?? 1);
        return {
          locality: { region: g.locality.region, zone: g.locality.zone, subZone: g.locality.subzone },
          lbEndpoints: g.lbEndpoints.map((e, i) => ({
            endpoint: { address: { socketAddress: { address: e.address, portValue: e.port } } },
            healthStatus: HEALTH[(e.healthStatus ?? 'HEALTHY') as keyof typeof HEALTH],
            loadBalancingWeight: { value: weights[i] },
            ...(e.metadata ? { metadata: { filterMetadata: Object.fromEntries(Object.entries(e.metadata).map(([k, v]) => [k, jsonToStruct(v)])) } } : {}),
          })),
          loadBalancingWeight: { value: g.loadBalancingWeight ?? Math.max(1, weights.reduce((a, b) => a + b, 0)) },
          ...(g.priority ? { priority: g.priority } : {}),
        };
      }),
    })
    .finish();
}

/** Decoded with defaults filled in, so "left out because default" and "written as default" compare equal. */
function canonical(bytes: Uint8Array): unknown {
  const t = xdsTypes().ClusterLoadAssignment;
  return t.toObject(t.decode(bytes), { ...TO_OBJECT, defaults: true });
}

describe('hand-written xDS codecs match the reflection codecs', () => {
  it('ClusterLoadAssignment: same message for random assignments (UTF-8 names, IPv6, metadata, priorities)', () => {
    const text = fc.string({ maxLength: 12 }).map((s) => s.replace(/\u0000/g, ''));
    const group = fc.record({
      locality: fc.record({ region: fc.oneof(fc.constantFrom('', 'r1'), text), zone: fc.oneof(fc.constantFrom('', 'zone-ä'), text), subzone: fc.constantFrom('', 'gateway.network2') }),
      priority: fc.constantFrom(0, 0, 1),
      loadBalancingWeight: fc.option(fc.integer({ min: 1, max: 1 << 20 }), { nil: undefined }),
      lbEndpoints: fc.array(
        fc.record({
          address: fc.oneof(fc.ipV4(), fc.ipV6()),
          port: fc.integer({ min: 1, max: 65535 }),
          loadBalancingWeight: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined }),
          healthStatus: fc.constantFrom('HEALTHY' as const, 'UNKNOWN' as const),
          metadata: fc.option(fc.constant({ istio: { workload: 'w;ns;v1' } }), { nil: undefined }),
        }),
        { maxLength: 6 },
      ),
    });
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom('outbound|5000||helloworld.sample.svc.cluster.local'), text.filter((s) => s.length > 0)), fc.array(group, { maxLength: 4 }), (clusterName, groups) => {
        // Valid the way the generator makes it: unique (locality, priority), unique address:port, priority 0 used.
        const seen = new Set<string>();
        const addrs = new Set<string>();
        const endpoints = groups
          .map((g) => ({ ...g, priority: groups.some((x) => x.priority === 0) ? g.priority : 0 }))
          .filter((g) => {
            const k = JSON.stringify([g.locality, g.priority]);
            return !seen.has(k) && !!seen.add(k);
          })
          .map((g) => {
            const lbEndpoints = g.lbEndpoints.filter((e) => !addrs.has(`${e.address}|${e.port}`) && !!addrs.add(`${e.address}|${e.port}`));
            return { ...g, lbEndpoints };
          });
        const input: ClusterLoadAssignmentInput = { clusterName, endpoints };
        assert.deepEqual(canonical(encodeClusterLoadAssignment(input)), canonical(reflectionCla(input)));
      }),
      { numRuns: 300 },
    );
  });

  it('DiscoveryRequest: same fields as the reflection decoder, for ACKs, first requests with a node and NACKs', () => {
    const name = fc.oneof(fc.constantFrom('outbound|80||svc-1.ns.svc.cluster.local', '*', 'héllo'), fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(
        fc.record({
          versionInfo: fc.string({ maxLength: 8 }),
          resourceNames: fc.array(name, { maxLength: 12 }),
          typeUrl: fc.constantFrom('type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment', ''),
          responseNonce: fc.string({ maxLength: 8 }),
          withNode: fc.boolean(),
          nack: fc.option(fc.record({ code: fc.integer({ min: 0, max: 16 }), message: fc.string({ maxLength: 20 }) }), { nil: undefined }),
        }),
        (r) => {
          const bytes = encodeDiscoveryRequest({
            versionInfo: r.versionInfo,
            resourceNames: r.resourceNames,
            typeUrl: r.typeUrl,
            responseNonce: r.responseNonce,
            ...(r.withNode ? { node: { id: 'n1', metadata: { NETWORK: 'network2', GENERATOR: 'grpc' } } } : {}),
            ...(r.nack ? { errorDetail: r.nack } : {}),
          });
          const mine = decodeDiscoveryRequest(Buffer.from(bytes));
          assert.ok(mine.ok, !mine.ok ? mine.error : '');
          const { DiscoveryRequest } = xdsTypes();
          const ref = DiscoveryRequest.toObject(DiscoveryRequest.decode(bytes), TO_OBJECT) as Record<string, unknown>;
          assert.equal(mine.value.versionInfo, ref.versionInfo ?? '');
          assert.deepEqual(mine.value.resourceNames, ref.resourceNames ?? []);
          assert.equal(mine.value.typeUrl, ref.typeUrl ?? '');
          assert.equal(mine.value.responseNonce, ref.responseNonce ?? '');
          assert.equal(mine.value.node?.network, r.withNode ? 'network2' : undefined);
          assert.equal(mine.value.node?.proxyless, r.withNode ? true : undefined);
          if (r.nack) assert.deepEqual(mine.value.errorDetail, { code: r.nack.code, message: r.nack.message });
          else assert.equal(mine.value.errorDetail, undefined);
          // A plain Uint8Array reads the same as a Buffer.
          assert.deepEqual(decodeDiscoveryRequest(bytes), mine);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('DiscoveryRequest: unknown fields are skipped, fields may come in any order, truncation is an error', () => {
    // Hand-built: nonce (5) first, an unknown varint field 15, names (3), an unknown fixed64 field 14, type (4).
    const enc = new TextEncoder();
    const field = (n: number, s: string) => {
      const b = enc.encode(s);
      return [(n << 3) | 2, b.length, ...b];
    };
    const fields = [field(5, 'n9'), [(15 << 3) | 0, 0x96, 0x01], field(3, 'a'), [(14 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8], field(3, 'b'), field(4, 'T')];
    const bytes = Uint8Array.from(fields.flat());
    const d = decodeDiscoveryRequest(bytes);
    assert.ok(d.ok);
    assert.deepEqual(d.value, { versionInfo: '', resourceNames: ['a', 'b'], typeUrl: 'T', responseNonce: 'n9' });
    // Where each field ends: cutting there leaves a valid shorter message.
    const boundaries = new Set<number>();
    let at = 0;
    for (const f of fields) boundaries.add((at += f.length));
    for (let cut = 1; cut < bytes.length; cut++) {
      const part = decodeDiscoveryRequest(bytes.subarray(0, cut));
      // Cutting inside a field (its tag, length, or contents) is an error, never a throw.
      if (boundaries.has(cut)) assert.ok(part.ok, `cut at ${cut} (a field boundary) decodes`);
      else assert.match(part.ok ? 'decoded' : part.error, /malformed DiscoveryRequest/, `cut at ${cut} (inside a field) is an error`);
    }
    // A known field with the wrong wire type is refused.
    assert.equal(decodeDiscoveryRequest(Uint8Array.from([(3 << 3) | 0, 1])).ok, false);
  });

  it('DiscoveryRequest names compared as bytes: same subscription with another nonce matches, any change does not', () => {
    const type = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
    const req = (names: string[], nonce: string, version = '1') => readDiscoveryRequest(encodeDiscoveryRequest({ typeUrl: type, versionInfo: version, resourceNames: names, responseNonce: nonce }));
    const first = req(['a', 'b', 'c'], '');
    assert.ok(first.ok);
    const kept = first.value.namesBytes();
    const ack = req(['a', 'b', 'c'], 'n7', '7');
    assert.ok(ack.ok && ack.value.sameNamesAs(kept));
    assert.deepEqual(ack.ok && ack.value.resourceNames, ['a', 'b', 'c']);
    for (const other of [['a', 'b'], ['a', 'b', 'd'], ['a', 'c', 'b'], ['a', 'b', 'c', 'c'], []]) {
      const r = req(other, 'n8');
      assert.ok(r.ok && !r.value.sameNamesAs(kept), JSON.stringify(other));
    }
    assert.ok(!first.value.sameNamesAs(undefined));
    // Names interrupted by another field are still read in order, and never claimed equal to kept bytes.
    const enc = new TextEncoder();
    const field = (n: number, str: string) => {
      const b = enc.encode(str);
      return [(n << 3) | 2, b.length, ...b];
    };
    const split = readDiscoveryRequest(Uint8Array.from([...field(3, 'a'), ...field(5, 'n'), ...field(3, 'b'), ...field(3, 'c')]));
    assert.ok(split.ok);
    assert.deepEqual(split.value.resourceNames, ['a', 'b', 'c']);
    assert.equal(split.value.namesBytes(), undefined);
    assert.equal(split.value.sameNamesAs(kept), false);
  });
});
