// A remote-cluster Secret's data read within the limits, as a pure function: whatever the object
// holds, an answer naming keys and sizes, never values, and never a throw.
import { strict as assert } from 'node:assert';
import { readSecretData } from '../../src/multicluster/secret-data.js';

const limits = { secretKeys: 3, kubeconfigBytes: 1000 };
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('multicluster/secret-data', () => {
  it('decodes each key, sorted, with a fingerprint of the value as it arrived', () => {
    const r = readSecretData({ data: { c2: b64('two'), c1: b64('one') } }, limits);
    assert.ok(r.ok);
    assert.deepEqual(
      r.ok ? r.keys.map((k) => [k.key, k.text]) : [],
      [
        ['c1', 'one'],
        ['c2', 'two'],
      ],
    );
    const again = readSecretData({ data: { c1: b64('one') } }, limits);
    assert.equal(again.ok && again.keys[0]!.hash, r.ok && r.keys[0]!.hash, 'same value, same fingerprint');
    assert.deepEqual(readSecretData({ metadata: { name: 'x' } }, limits), { ok: true, keys: [] }, 'no data: no keys');
  });

  it('more keys than the limit refuses the whole Secret, naming the limit and its flag', () => {
    const data = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`c${i}`, b64('x')]));
    const r = readSecretData({ data }, limits);
    assert.deepEqual(r, { ok: false, error: 'limit exceeded: at most 3 clusters (data keys) per remote Secret (got 4); raise it with --max-secret-keys' });
  });

  it('refuses a key whose value is too large, not text, or whose name is not a cluster ID, and only that key', () => {
    const secret = 'SeCrEt-value';
    const r = readSecretData({ data: { big: b64(secret + 'x'.repeat(2000)), num: 42, 'bad/key\u0000': b64(secret), good: b64('ok') } }, { secretKeys: 10, kubeconfigBytes: 1000 });
    assert.ok(r.ok);
    const byKey = Object.fromEntries(r.ok ? r.keys.map((k) => [k.key, k]) : []);
    assert.match(byKey.big!.error!, /kubeconfig is too large: limit exceeded: at most 1000 bytes per remote kubeconfig \(got \d+\); raise it with --max-kubeconfig-bytes/);
    assert.equal(byKey.big!.text, undefined, 'not decoded');
    assert.match(byKey.num!.error!, /not base64 text/);
    assert.match(byKey['"bad/key\\u0000"']!.error!, /not a valid cluster ID/);
    assert.equal(byKey.good!.text, 'ok');
    for (const k of r.ok ? r.keys : []) assert.ok(!k.error?.includes(secret), k.error);
  });

  it('never throws on wrong shapes', () => {
    for (const secret of [null, 42, 'text', [], { data: 'x' }, { data: [1, 2] }, { data: null }, Object.create(null)]) {
      const r = readSecretData(secret, limits);
      assert.equal(typeof r.ok, 'boolean');
    }
    assert.deepEqual(readSecretData({ data: 'x' }, limits), { ok: false, error: 'data is not a map of base64 values' });
  });
});
