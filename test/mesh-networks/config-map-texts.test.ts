// ConfigMap `istio` as one watch keeps it: only the asked-for keys, each text or why it is unusable,
// never the value itself in an error.
import { strict as assert } from 'node:assert';
import { configMapTexts } from '../../src/mesh-networks/config-map-text.js';

const cm = (data: unknown) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system', resourceVersion: '7' }, data });
const pick = configMapTexts(['meshNetworks', 'mesh']);

describe('configMapTexts (ConfigMap istio, keys meshNetworks and mesh)', () => {
  it('keeps the asked-for keys only, with the metadata', () => {
    const out = pick(cm({ meshNetworks: 'networks: {}', mesh: 'localityLbSetting: {}', secretish: 'password' }));
    assert.deepEqual(out.metadata, { name: 'istio', namespace: 'istio-system', resourceVersion: '7' });
    assert.deepEqual([...out.byKey], [
      ['meshNetworks', { text: 'networks: {}' }],
      ['mesh', { text: 'localityLbSetting: {}' }],
    ]);
    assert.ok(!JSON.stringify([...out.byKey]).includes('password'));
  });

  it('an absent key or data is {}; a wrong type is an error for that key alone, without its value', () => {
    assert.deepEqual([...pick(cm(undefined)).byKey], [['meshNetworks', {}], ['mesh', {}]]);
    const out = pick(cm({ meshNetworks: ['leak-me'], mesh: 42 }));
    assert.deepEqual(out.byKey.get('meshNetworks'), { error: 'key meshNetworks is a list, not text' });
    assert.deepEqual(out.byKey.get('mesh'), { error: 'key mesh is a number, not text' });
    assert.deepEqual(pick(cm({ meshNetworks: 'x' , mesh: null })).byKey.get('mesh'), {});
    const notMap = pick(cm(['leak-me']));
    assert.deepEqual(notMap.byKey.get('mesh'), { error: 'data is not a map of strings' });
    assert.ok(!JSON.stringify([...notMap.byKey]).includes('leak-me'));
  });
});
