// The mesh config's localityLbSetting from the primary's ConfigMap `istio` key `mesh`, through a real
// Horizon on the demo's emulated clusters: it becomes the default of every cluster without a setting of
// its own; a broken edit is reported (the debug source shows it) and the last good one stays in force.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HELLO_HOST, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const MESH_OK = `defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
localityLbSetting:
  distribute:
  - from: region1/*
    to:
      region1/*: 100
`;

describe('mesh config from ConfigMap istio key mesh', function () {
  this.timeout(60_000);
  let mesh: DemoMesh | undefined;
  afterEach(async () => {
    await mesh?.close();
    mesh = undefined;
  });

  it('sets the default, keeps the last good document on a broken edit, and says why', async () => {
    mesh = await startDemoMesh();
    const { c1, horizon } = mesh;
    const hw = { host: HELLO_HOST, port: 5000, subset: '' };
    assert.equal(horizon.mesh.effectiveMeshConfig().from, 'default');
    assert.equal(horizon.provider.localityLb(hw).mode, 'off');
    const cm = c1.get('v1', 'ConfigMap', 'istio-system', 'istio');
    if (cm) c1.patch('v1', 'ConfigMap', 'istio-system', 'istio', { data: { mesh: MESH_OK } });
    else c1.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: MESH_OK } });
    await waitFor(() => horizon.provider.localityLb(hw).mode === 'distribute', 'the mesh distribute in force', { timeoutMs: 10_000 });
    assert.equal(horizon.mesh.effectiveMeshConfig().from, 'configmap');

    c1.patch('v1', 'ConfigMap', 'istio-system', 'istio', { data: { mesh: 'localityLbSetting:\n  failover: [{from: region1}]\n' } });
    const source = () => horizon.meshConfig.sources().find((s) => s.name.includes('key mesh'));
    await waitFor(() => source()?.error !== undefined, 'the broken edit reported', { timeoutMs: 10_000 });
    assert.match(source()!.error!, /configmap istio-system\/istio key mesh: line 1: localityLbSetting\.failover\[0\]\.to/);
    assert.equal(horizon.provider.localityLb(hw).mode, 'distribute', 'the last good document stays in force');
    // meshNetworks (the other key of the same ConfigMap) is not disturbed.
    assert.equal(horizon.meshNetworks.sources().every((s) => s.error === undefined), true);
  });

  it('--mesh-config FILE wins over the ConfigMap', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-mesh-config-'));
    const file = path.join(dir, 'mesh.yaml');
    await writeFile(file, 'localityLbSetting:\n  enabled: false\n');
    const m = await startDemoMesh({ meshConfigFile: file });
    try {
      const hw = { host: HELLO_HOST, port: 5000, subset: '' };
      m.c1.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: MESH_OK } });
      await waitFor(() => m.horizon.meshConfig.current().configMap?.localityLbSetting !== undefined, 'the ConfigMap read', { timeoutMs: 10_000 });
      assert.equal(m.horizon.mesh.effectiveMeshConfig().from, 'file');
      assert.equal(m.horizon.provider.localityLb(hw).mode, 'off', "the file's enabled: false, not the ConfigMap's distribute");
      await writeFile(file, MESH_OK);
      await waitFor(() => m.horizon.provider.localityLb(hw).mode === 'distribute', 'the edited file in force', { timeoutMs: 10_000 });
    } finally {
      await m.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
