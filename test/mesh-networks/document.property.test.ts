// Properties of meshNetworks parsing over random and hostile text (YAML and JSON): nothing escapes as a
// throw, every answer is bounded (issues, message lengths, networks) and comes back in bounded time,
// memory is not kept, and a refused document changes nothing: the last good meshNetworks stays in effect.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { emptyMeshNetworks, MeshNetworksSources, parseMeshNetworks, parseMeshNetworksSource, type MeshNetworks, type MeshNetworksResult } from '../../src/mesh-networks/index.js';
import { waitFor } from '../support/wait.js';

const LIMITS = { meshNetworksBytes: 64 * 1024, meshNetworksNetworks: 200 };

/** Scalars that mean something in a meshNetworks document, and some that mean trouble. */
const scalar = fc.oneof(
  fc.constantFrom('c1', 'cluster2', '10.0.0.0/8', 'fd00::/64', '192.0.2.1', 'gw.example.com', 'a.b.svc.cluster.local', '', '*', '0/0', '::'),
  fc.integer({ min: -5, max: 70_000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 500, maxLength: 3_000 }),
);
const key = fc.oneof(
  fc.constantFrom('networks', 'endpoints', 'gateways', 'fromRegistry', 'from_registry', 'fromCidr', 'from_cidr', 'address', 'registryServiceName', 'registry_service_name', 'port', 'locality', 'meshNetworks'),
  fc.string({ maxLength: 20 }),
  fc.string({ minLength: 2_000, maxLength: 5_000 }),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 6 }),
  map: fc.dictionary(key, tie('node'), { maxKeys: 6 }),
})).node;

/** Near-valid documents: the right shape with random holes, so validation (not only syntax) is exercised. */
const gateway = fc.record({ address: scalar, registryServiceName: scalar, port: scalar, locality: scalar, extra: value }, { requiredKeys: [] });
const endpoint = fc.record({ fromRegistry: scalar, fromCidr: scalar, from_cidr: scalar, extra: value }, { requiredKeys: [] });
const network = fc.oneof(fc.record({ endpoints: fc.oneof(fc.array(endpoint, { maxLength: 4 }), value), gateways: fc.oneof(fc.array(gateway, { maxLength: 4 }), value) }, { requiredKeys: [] }), value);
const document = fc.oneof(fc.record({ networks: fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), key), network, { maxKeys: 8 }) }), fc.dictionary(key, value), value);

/** Text a hostile writer might produce. */
const hostile = fc.oneof(
  fc.integer({ min: 10, max: 200_000 }).map((n) => `networks: ${'['.repeat(n)}${']'.repeat(n)}`),
  fc.integer({ min: 10, max: 200_000 }).map((n) => `${'- '.repeat(n)}x`),
  fc.integer({ min: 2, max: 30 }).map((n) => {
    // An alias bomb, n levels of nine.
    let text = 'l0: &l0 [x,x,x,x,x,x,x,x,x]\n';
    for (let i = 1; i < n; i++) text += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(',')}]\n`;
    return `${text}networks: {n1: {endpoints: *l${n - 1}}}\n`;
  }),
  fc.integer({ min: 201, max: 3_000 }).map((n) => `networks: {${Array.from({ length: n }, (_, i) => `n${i}: {}`).join(', ')}}`),
  fc.integer({ min: 64 * 1024, max: 200_000 }).map((n) => `networks: {n1: {endpoints: [{fromRegistry: "${'r'.repeat(n)}"}]}}`),
  fc.string({ unit: 'binary', maxLength: 2_000 }),
  fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ':', '-', ' ', '\n', '&a ', '*a', '"', "'", '#', '?', '!!', ',', 'x', '|', '>'), maxLength: 3_000 }),
);

const asText = fc.oneof(
  document.map((d) => stringify(d)),
  document.map((d) => JSON.stringify(d) ?? 'null'),
  document.map((d) => stringify(d, { collectionStyle: 'flow' })),
  hostile,
);

function checkBounded(result: MeshNetworksResult): void {
  const issues = result.ok ? result.warnings : [...result.errors, ...result.warnings];
  assert.ok((result.ok ? 0 : result.errors.length) <= 21, 'at most 20 errors and a count');
  assert.ok(result.warnings.length <= 21, 'at most 20 warnings and a count');
  for (const issue of issues) {
    assert.ok(issue.message.length > 0);
    assert.ok(issue.message.length < 1_000, `a message of ${issue.message.length} characters: ${issue.message.slice(0, 200)}`);
  }
  if (result.ok) {
    assert.ok(result.value.networks.length <= LIMITS.meshNetworksNetworks);
    for (const n of result.value.networks) {
      assert.equal(typeof n.name, 'string');
      for (const ep of n.endpoints) assert.ok(('fromRegistry' in ep && typeof ep.fromRegistry === 'string') || ('fromCidr' in ep && typeof ep.fromCidr === 'string'));
      for (const gw of n.gateways) assert.ok(Number.isInteger(gw.port) && gw.port >= 1 && gw.port <= 65535);
    }
  }
}

function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

describe('meshNetworks parsing, properties', function () {
  this.timeout(300_000);

  it('never throws; answers are bounded and come back in bounded time', () => {
    fc.assert(
      fc.property(asText, (text) => {
        const t = performance.now();
        const result = parseMeshNetworks(text, { limits: LIMITS });
        const ms = performance.now() - t;
        checkBounded(result);
        // Generous: at most 200 kB of text reaches the parser (a 64 kB limit), parsed in milliseconds when idle.
        assert.ok(ms < 5_000, `${ms} ms for ${text.length} characters`);
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic: the same text, the same answer', () => {
    fc.assert(
      fc.property(asText, (text) => {
        assert.deepEqual(parseMeshNetworks(text, { limits: LIMITS }), parseMeshNetworks(text, { limits: LIMITS }));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps no memory: hostile documents parsed in a loop leave the heap where it was', function () {
    const gc = gcFunction();
    if (!gc) {
      console.log('    skipped: no way to run the garbage collector in this process (--expose-gc refused)');
      return this.skip();
    }
    const texts = fc.sample(hostile, 60);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let round = 0; round < 3; round++) for (const text of texts) parseMeshNetworks(text, { limits: LIMITS });
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 20 * 1024 * 1024, `heap grew ${(grown / 1024 / 1024).toFixed(1)} MiB`);
  });

  it('a refused document changes nothing: the last good meshNetworks stays in effect (file source)', async function () {
    this.timeout(120_000);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-mn-prop-'));
    const file = path.join(dir, 'mn.yaml');
    const good = 'networks:\n  network1:\n    endpoints: [{fromRegistry: cluster1}]\n    gateways: [{address: 192.0.2.1, port: 15443}]\n';
    await writeFile(file, good);
    const sources = new MeshNetworksSources<MeshNetworks>({
      parse: (text, name) => parseMeshNetworksSource(text, name, LIMITS),
      maxFileBytes: LIMITS.meshNetworksBytes,
      empty: emptyMeshNetworks,
      file,
      filePollMs: 20,
    });
    let changed = 0;
    sources.on('changed', () => changed++);
    try {
      await sources.start();
      const kept = sources.current().file;
      assert.deepEqual(kept?.networks.map((n) => n.name), ['network1']);
      const changedAtStart = changed;
      // Only documents that are refused: a valid sample would rightly change the value.
      const refusedTexts = fc.sample(hostile, 40).filter((t) => !parseMeshNetworks(t, { limits: LIMITS }).ok).slice(0, 8);
      refusedTexts.push('x'.repeat(LIMITS.meshNetworksBytes + 1));
      const error = () => sources.sources()[0]!.error ?? '';
      for (const [i, text] of refusedTexts.entries()) {
        // A refusal with a known message first, so that the sample's own refusal is seen to replace it.
        await writeFile(file, `networks: ${i}\n`);
        await waitFor(() => error().includes(`found number ${i}`), `marker ${i} refused`, { timeoutMs: 10_000 });
        const marker = error();
        await writeFile(file, text);
        await waitFor(() => error() !== marker, `sample ${i} refused`, { timeoutMs: 10_000 });
        assert.equal(sources.current().file, kept, 'the very same value in effect');
        assert.match(error(), /keeping the last good config$/);
      }
      assert.equal(changed, changedAtStart, 'no change was announced');
    } finally {
      sources.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
