// The one cache of encoded resources: byte bound (re-measured when a stale entry is regenerated), host
// index, stale marks, and nothing left behind in its maps when lru-cache evicts.
import { strict as assert } from 'node:assert';
import type { EncodedResource } from '../../src/xds/codec/any.js';
import { ResourceCache } from '../../src/xds/generators/resource-cache.js';

const EDS = 'eds';
const CDS = 'cds';
const res = (name: string, bytes: number): EncodedResource => ({ name, version: String(bytes), any: new Uint8Array(bytes) });

describe('resource cache', () => {
  it('bytes follow regenerations; stale marks per host and type; regenerating clears them', () => {
    const c = new ResourceCache(1 << 20);
    c.add(EDS, 'v1', 'a', { host: 'h1' }, res('a', 1000));
    c.add(CDS, 'grpc', 'a', { host: 'h1' }, res('a', 10));
    c.add(EDS, 'v1', 'b', { host: 'h2' }, undefined);
    assert.deepEqual(c.sizes(), { entries: 3, stale: 0, bytes: 3 * 256 + 1010, hosts: 2, variants: 2 });
    c.invalidateHost('h1', EDS);
    assert.equal(c.sizes().stale, 1);
    assert.equal(c.get(EDS, 'v1', 'a')?.fresh, false);
    assert.equal(c.get(CDS, 'grpc', 'a')?.fresh, true, 'another type of the host stays fresh');
    c.invalidateHost('h1');
    c.invalidateHost('h1');
    assert.equal(c.sizes().stale, 2, 'marking twice counts once');
    c.refresh(c.get(EDS, 'v1', 'a')!, res('a', 5000));
    assert.deepEqual(c.sizes(), { entries: 3, stale: 1, bytes: 3 * 256 + 5010, hosts: 2, variants: 2 });
  });

  it('evictions leave nothing behind; an entry bigger than the cache is not kept at all', () => {
    const c = new ResourceCache(10 * 256 + 100);
    for (let i = 0; i < 100; i++) c.add(EDS, `view-${i}`, `n${i}`, { host: `h${i}` }, res(`n${i}`, 10));
    const s = c.sizes();
    assert.ok(s.entries <= 10 && s.hosts === s.entries && s.variants === s.entries, JSON.stringify(s));
    c.invalidateHost(`h99`);
    assert.equal(c.sizes().stale, 1);
    c.add(EDS, 'big', 'big', { host: 'hb' }, res('big', 1 << 20));
    assert.equal(c.get(EDS, 'big', 'big'), undefined);
    // A regeneration that grows an entry past what is left evicts older ones, not the maps' consistency.
    const last = c.get(EDS, 'view-99', 'n99')!;
    c.refresh(last, res('n99', 2000));
    const after = c.sizes();
    assert.ok(after.bytes <= 10 * 256 + 100, JSON.stringify(after));
    assert.equal(after.hosts, after.entries);
    assert.equal(after.stale, 0);
    c.clear();
    assert.deepEqual(c.sizes(), { entries: 0, stale: 0, bytes: 0, hosts: 0, variants: 0 });
  });
});
