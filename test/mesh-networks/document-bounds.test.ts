// A meshNetworks document decides its own size, so what it costs is bounded: hostile documents are
// refused (or reported) fast, with an error that names the limit and its flag, and messages that quote
// only a short prefix of what the document says. The time bounds are generous (this machine is shared):
// they separate linear from quadratic, not fast from slow.
import { strict as assert } from 'node:assert';
import { parseMeshNetworks, type MeshNetworksResult } from '../../src/mesh-networks/index.js';

const SOURCE = 'mesh networks file /etc/mn.yaml';

/** `n` networks, about 100 bytes each (the shape of the 10 MB / 100k-network report). */
function bigDocument(n: number): string {
  const lines = ['networks:'];
  for (let i = 0; i < n; i++) {
    const a = (i >> 16) & 255;
    const b = (i >> 8) & 255;
    const c = i & 255;
    lines.push(`  network${i}:\n    endpoints: [{fromCidr: ${10 + a}.${b}.${c}.0/24}]\n    gateways: [{address: 192.${a}.${b}.${c}, port: 15443}]`);
  }
  return `${lines.join('\n')}\n`;
}

function timed(text: string, options: Parameters<typeof parseMeshNetworks>[1] = {}): { result: MeshNetworksResult; ms: number } {
  const t = performance.now();
  const result = parseMeshNetworks(text, { source: SOURCE, ...options });
  return { result, ms: performance.now() - t };
}

function refused(result: MeshNetworksResult): string[] {
  assert.ok(!result.ok, 'should be refused');
  return result.errors.map((e) => e.message);
}

describe('meshNetworks document bounds', function () {
  this.timeout(60_000);

  it('a 10 MB document of 100k networks is refused before parsing, fast, naming the limit and its flag', () => {
    const text = bigDocument(100_000);
    assert.ok(text.length > 10_000_000);
    const { result, ms } = timed(text);
    const errors = refused(result);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /^mesh networks file \/etc\/mn\.yaml: refused before parsing: limit exceeded: at most 1048576 bytes of a meshNetworks document \(got \d+\); raise it with --max-mesh-networks-bytes$/);
    assert.ok(ms < 1_000, `${ms} ms`);
  });

  it('more networks than the limit are refused before any is read, naming the limit and its flag', () => {
    const errors = refused(timed(bigDocument(101), { limits: { meshNetworksNetworks: 100 } }).result);
    assert.deepEqual(errors, [`${SOURCE}: line 2, column 3: networks: limit exceeded: at most 100 networks in a meshNetworks document (got 101); raise it with --max-mesh-networks-networks`]);
    assert.ok(timed(bigDocument(100), { limits: { meshNetworksNetworks: 100 } }).result.ok, 'exactly the limit is accepted');
  });

  it('nesting a megabyte deep is refused after a few dozen levels, with the position', () => {
    for (const text of [`networks: ${'['.repeat(400_000)}${']'.repeat(400_000)}`, `${'- '.repeat(400_000)}x`, `networks: ${'{a: '.repeat(200_000)}${'}'.repeat(200_000)}`]) {
      const { result, ms } = timed(text);
      const errors = refused(result);
      assert.equal(errors.length, 1);
      assert.match(errors[0]!, /^mesh networks file \/etc\/mn\.yaml: line 1, column \d+: nested deeper than 64 levels$/);
      assert.ok(ms < 1_000, `${ms} ms`);
    }
  });

  it('maps with tens of thousands of keys cost linear time; duplicate keys are still found', () => {
    const n = 20_000;
    const limits = { meshNetworksNetworks: n + 1 };
    const { result, ms } = timed(`networks: {${Array.from({ length: n }, (_, i) => `n${i}: {}`).join(', ')}}`, { limits });
    assert.ok(result.ok);
    assert.equal(result.value.networks.length, n);
    assert.ok(ms < 15_000, `${ms} ms (the pairwise key check took minutes on this machine)`);
    const dup = refused(timed(`networks: {${Array.from({ length: n }, (_, i) => `n${i}: {}`).join(', ')}, n7: {}}`, { limits }).result);
    assert.equal(dup.length, 1);
    assert.match(dup[0]!, /line 1, column \d+: YAML syntax: Map keys must be unique \("n7" is also at line 1\)/);
  });

  it('thousands of errors: the first 20 in document order, then how many more', () => {
    const n = 5_000;
    const text = `networks:\n${Array.from({ length: n }, (_, i) => `  n${i}: {gateways: [{port: 0}]}`).join('\n')}\n`;
    const { result, ms } = timed(text);
    const errors = refused(result);
    assert.equal(errors.length, 21);
    assert.match(errors[0]!, /line 2, column \d+: network "n0" gateway 0/);
    assert.equal(errors[20], `${SOURCE}: and ${2 * n - 20} more errors`);
    assert.ok(ms < 15_000, `${ms} ms`);
  });

  it('thousands of networks claiming one cluster: the document is accepted, warnings capped (no scan per warning)', () => {
    const n = 10_000;
    const text = `networks:\n${Array.from({ length: n }, (_, i) => `  n${i}: {endpoints: [{fromRegistry: c1}]}`).join('\n')}\n`;
    const { result, ms } = timed(text);
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 21);
    assert.match(result.warnings[0]!.message, /line 3, column 3: network "n1": fromRegistry "c1" is already claimed by network "n0"; the first one wins/);
    assert.equal(result.warnings[20]!.message, `${SOURCE}: and ${n - 1 - 20} more warnings`);
    assert.ok(ms < 15_000, `${ms} ms`);
  });

  it('a huge name or value is quoted as a short prefix in messages', () => {
    const name = `n${'x'.repeat(100_000)}`;
    for (const text of [
      `networks: {${name}: {endpoint: []}}\n`,
      `networks:\n  n1: {${name}: []}\n`,
      `networks:\n  n1: {gateways: [{address: "${name}!", port: 1}]}\n`,
      `networks:\n  n1: {endpoints: [{fromCidr: "${name}"}]}\n`,
      `networks:\n  n1: {gateways: [{address: 1.2.3.4, port: "${name}"}]}\n`,
    ]) {
      const errors = refused(timed(text).result);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.ok(errors[0]!.length < 400, `${errors[0]!.length} characters: ${errors[0]!.slice(0, 300)}`);
      assert.match(errors[0]!, /"nx+"\.\.\. \(10000[12] characters\)/);
    }
  });

  it('YAML aliases are never expanded: an alias bomb is refused at once, an alias says it is not supported', () => {
    // Billion laughs: each level nine times the one before.
    let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    const names = 'abcdefghijk';
    for (let i = 1; i < names.length; i++) bomb += `${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]\n`;
    bomb += 'networks:\n  n1: {endpoints: *k}\n';
    const { result, ms } = timed(bomb);
    const errors = refused(result);
    assert.ok(ms < 1_000, `${ms} ms`);
    assert.ok(errors.some((e) => /network "n1": endpoints must be a list, found an alias \(\*k\): meshNetworks does not expand YAML aliases/.test(e)), errors.join('\n'));
  });

  it('never throws on inputs the yaml library chokes on', () => {
    for (const text of ['\u0000'.repeat(10_000), '%YAML 9.9\n---\na', '---\n---\n---\n', '? ? ? ? ? x', `"${'\\u'.repeat(1000)}"`, '!!binary\n'.repeat(1000), '*a'.repeat(1000), '\ufeff'.repeat(1000)]) {
      const result = parseMeshNetworks(text);
      assert.equal(typeof result.ok, 'boolean');
      if (!result.ok) assert.ok(result.errors.length <= 21 && result.errors.every((e) => e.message.length < 1_000));
    }
  });
});
