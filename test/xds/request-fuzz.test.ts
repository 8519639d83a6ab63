// The xDS request and node parsers against random and hostile bytes: truncated varints, huge lengths,
// wrong wire types, groups, deep Structs, millions of tiny fields. Nothing throws past them, each input
// costs bounded time and memory, and a malformed stream ends only itself.
import * as grpc from '@grpc/grpc-js';
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import {
  decodeDeltaDiscoveryRequest,
  decodeDiscoveryRequest,
  decodeNode,
  defaultRequestBounds,
  encodeDeltaDiscoveryRequest,
  encodeDiscoveryRequest,
  readDiscoveryRequest,
} from '../../src/xds/codec/requests.js';
import type { Decoded } from '../../src/xds/codec/result.js';
import { startXdsServer, type XdsServer } from '../../src/xds/server/server.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';
import { claInput, changes } from './ads-support.js';

// ---- hand-made protobuf pieces -----------------------------------------------------------------

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const len = (field: number, payload: Buffer) => Buffer.concat([key(field, 2), varint(payload.length), payload]);

/** A Struct nested `depth` levels deep: {d: {d: {... 'x'}}} (or lists of lists), built inside out. */
function deepStruct(depth: number, viaLists = false): Buffer {
  let value = len(3, Buffer.from('x')); // Value{string_value}
  for (let i = 0; i < depth; i++) {
    if (viaLists) value = len(6, len(1, value)); // Value{list_value: ListValue{values: [value]}}
    else value = len(5, len(1, Buffer.concat([len(1, Buffer.from('d')), len(2, value)]))); // Value{struct_value: {fields: {d: value}}}
  }
  return len(1, Buffer.concat([len(1, Buffer.from('top')), len(2, value)])); // Struct{fields: {top: value}}
}

const nodeWith = (metadata: Buffer) => Buffer.concat([len(1, Buffer.from('node-id')), len(3, metadata)]);

const valid = {
  sotw: Buffer.from(
    encodeDiscoveryRequest({
      node: { id: 'n', metadata: { NETWORK: 'network1', LABELS: { app: 'a' } } },
      typeUrl: EDS,
      resourceNames: ['a', 'b', 'outbound|5000||c.ns.svc.cluster.local'],
      versionInfo: '3',
      responseNonce: '2',
      errorDetail: { code: 3, message: 'no' },
    }),
  ),
  delta: Buffer.from(
    encodeDeltaDiscoveryRequest({
      node: { id: 'n', metadata: { NETWORK: 'network1' } },
      typeUrl: EDS,
      resourceNamesSubscribe: ['a', 'b'],
      resourceNamesUnsubscribe: ['c'],
      initialResourceVersions: { a: '1' },
      responseNonce: '1',
    }),
  ),
};

/** Runs every decoder on the bytes, using everything a decoded request offers; returns how long it took. */
function decodeAll(bytes: Uint8Array): number {
  const t0 = performance.now();
  const view = readDiscoveryRequest(bytes);
  if (view.ok) {
    view.value.readNode();
    if (view.value.nameCount <= defaultRequestBounds.names) void view.value.resourceNames;
    view.value.sameNamesAs(view.value.namesBytes());
  }
  expectDecoded(decodeDiscoveryRequest(bytes));
  expectDecoded(decodeDeltaDiscoveryRequest(bytes));
  expectDecoded(decodeNode(bytes));
  return performance.now() - t0;
}

function expectDecoded(d: Decoded<unknown>): void {
  assert.equal(typeof d.ok, 'boolean');
  if (!d.ok) assert.ok(d.error.length > 0 && d.error.length < 2000, `an error that says what: ${d.error.slice(0, 200)}`);
}

/** Hostile edits of a valid message. */
const mutation = (base: Buffer) =>
  fc.oneof(
    // truncated anywhere
    fc.nat({ max: base.length }).map((n) => base.subarray(0, n)),
    // a byte changed
    fc.tuple(fc.nat({ max: base.length - 1 }), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
      const copy = Buffer.from(base);
      copy[i] = b;
      return copy;
    }),
    // a field appended: any number, any wire type (groups too), lengths that run far past the end
    fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 7 }), fc.uint8Array({ maxLength: 12 }), fc.nat()).map(([f, w, tail, n]) =>
      Buffer.concat([base, key(f, w), w === 2 ? varint(n) : Buffer.alloc(0), Buffer.from(tail)]),
    ),
    // a truncated varint or one of 11 bytes where a key should be
    fc.boolean().map((long) => Buffer.concat([base, long ? Buffer.alloc(11, 0xff) : Buffer.from([0xff, 0xff])])),
  );

describe('xds request parsers under random and hostile bytes', function () {
  this.timeout(120_000);

  it('random bytes: no throw escapes, an error value says what', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        assert.ok(decodeAll(bytes) < 250);
      }),
      { numRuns: 3000 },
    );
  });

  it('valid requests edited by truncation, changed bytes, odd fields and bad varints: no throw, bounded time', () => {
    fc.assert(
      fc.property(fc.oneof(mutation(valid.sotw), mutation(valid.delta)), (bytes) => {
        assert.ok(decodeAll(bytes) < 250);
      }),
      { numRuns: 3000 },
    );
  });

  it('known fields with the wrong wire type are malformed, not misread', () => {
    for (const field of [1, 2, 3, 4, 5, 6]) {
      const bytes = Buffer.concat([key(field, 0), varint(1)]);
      const d = decodeDiscoveryRequest(bytes);
      assert.equal(d.ok, false);
      assert.match((d as { error: string }).error, new RegExp(`field ${field} has wire type 0, expected 2`));
      assert.equal(decodeDeltaDiscoveryRequest(bytes).ok, false);
    }
  });

  it('metadata nested thousands of levels deep (Structs or lists) is refused before anything recurses', () => {
    for (const viaLists of [false, true]) {
      const node = nodeWith(deepStruct(3000, viaLists));
      const d = decodeNode(node);
      assert.equal(d.ok, false);
      assert.match((d as { error: string }).error, /nested deeper than 32 levels/);
      const req = decodeDiscoveryRequest(Buffer.concat([len(2, node), len(4, Buffer.from(EDS))]));
      assert.match((req as { error: string }).error, /malformed DiscoveryRequest: node: Struct nested deeper/);
      const delta = decodeDeltaDiscoveryRequest(Buffer.concat([len(1, node), len(2, Buffer.from(EDS))]));
      assert.match((delta as { error: string }).error, /malformed DeltaDiscoveryRequest: node: Struct nested deeper/);
    }
    const ok = decodeNode(nodeWith(deepStruct(20)));
    assert.ok(ok.ok, 'twenty levels are fine');
  });

  it('800,000 one-byte names (4 MB): counted without decoding, refused at the limit, within bounded memory', () => {
    const n = 800_000;
    const name = len(3, Buffer.from('x'));
    const separator = len(5, Buffer.from('1'));
    // SotW with the names split by another field (the path that used to decode them all at once) and delta.
    const sotw = Buffer.concat([len(4, Buffer.from(EDS)), ...Array.from({ length: n }, (_, i) => (i % 2 ? name : Buffer.concat([name, separator])))]);
    const delta = Buffer.concat([len(2, Buffer.from(EDS)), Buffer.concat(Array.from({ length: n }, () => name))]);
    for (const [what, bytes, run] of [
      ['SotW', sotw, () => readDiscoveryRequest(sotw)],
      ['delta', delta, () => decodeDeltaDiscoveryRequest(delta)],
    ] as const) {
      const heap0 = process.memoryUsage().heapUsed;
      const t0 = performance.now();
      const d = run();
      const ms = performance.now() - t0;
      const grew = process.memoryUsage().heapUsed - heap0;
      if (what === 'SotW') {
        // Read (the server checks nameCount against the limit before asking for the names).
        assert.ok(d.ok);
        assert.equal((d.value as { nameCount: number }).nameCount, n);
      } else {
        assert.equal(d.ok, false);
        assert.match((d as { error: string }).error, /at most 20000 resource names per xDS stream \(got 800000\)/);
      }
      console.log(`      ${what}: ${(bytes.length / 1e6).toFixed(1)} MB of names read in ${ms.toFixed(0)} ms, heap +${(grew / 1e6).toFixed(1)} MB`);
      assert.ok(grew < 32e6, `${what}: heap grew ${grew} bytes`);
      assert.ok(ms < 2000, `${what}: ${ms} ms`);
    }
    const refused = decodeDiscoveryRequest(sotw);
    assert.match((refused as { error: string }).error, /DiscoveryRequest: limit exceeded: at most 20000 resource names per xDS stream \(got 800000\)/);
  });

  describe('on a server', () => {
    let server: XdsServer;
    const provider = new StaticProvider();
    let good: AdsClient;
    before(async () => {
      server = await startXdsServer({ address: '127.0.0.1:0', provider, log: quietLog });
      provider.cla(claInput('a', 1));
      good = new AdsClient({ address: server.address, node: { id: 'good', metadata: { NETWORK: 'network1' } } });
      good.subscribe(EDS, ['a']);
      await good.waitFor(() => good.resources(EDS).has('a'));
    });
    after(async () => {
      good.close();
      await server.close();
    });

    it('a malformed stream ends only itself; the well-behaved one keeps getting pushes', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 256 }), mutation(valid.sotw)), fc.boolean(), async (bytes, delta) => {
          const hostile = new AdsClient({ address: server.address, node: { id: 'hostile' }, mode: delta ? 'delta' : 'sotw' });
          try {
            hostile.sendRaw(bytes);
            hostile.sendRaw(bytes);
            // Either the stream ends with a status that says why, or the bytes were a usable request.
            await Promise.race([hostile.closed(3000).then((s) => assert.notEqual(s.code, grpc.status.INTERNAL, s.details)), new Promise((r) => setTimeout(r, 200))]);
          } finally {
            hostile.close();
          }
          round++;
          provider.cla(claInput('a', 2 + (round % 200)));
          server.push(changes([EDS, ['a']]));
          const want = `10.${2 + (round % 200)}.0.1`;
          await good.waitFor(() => JSON.stringify(good.resources(EDS).get('a')?.decoded?.value ?? '').includes(want), 5000, `push ${round}`);
        }),
        { numRuns: 40 },
      );
      assert.equal(good.status, undefined);
    });
  });
});
