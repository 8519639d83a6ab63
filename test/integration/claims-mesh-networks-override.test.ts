// README: meshNetworks come from --mesh-networks FILE and from the primary's ConfigMap `istio`; "a
// network defined in both is taken from the file". /debug/mesh names such a network in `overridden`.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MeshView } from '../../src/debug/views/mesh.js';
import { getJson } from '../support/debug-http.js';
import { startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const gatewaysOf = (mesh: DemoMesh, network: string) => (mesh.horizon.mesh.gateways().get(network) ?? []).map((g) => `${g.address}:${g.port}`);

async function debugMesh(mesh: DemoMesh): Promise<MeshView> {
  const r = await getJson<MeshView>(mesh.horizon.debug!.url, '/debug/mesh');
  assert.equal(r.status, 200, r.text);
  return r.body;
}

describe('claims: a meshNetworks network defined in both the file and the ConfigMap', function () {
  this.timeout(60_000);
  let mesh: DemoMesh;
  let dir: string;
  let file: string;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-claims-meshnetworks-'));
    file = path.join(dir, 'mesh-networks.yaml');
    await writeFile(file, 'networks:\n  network9:\n    gateways: [{address: 127.50.0.1, port: 15443}]\n');
    mesh = await startDemoMesh({ meshNetworksFile: file, debugAddress: '127.0.0.1:0' });
    await mesh.horizon.whenReady();
  });
  after(async () => {
    await mesh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("is taken from the file, and /debug/mesh names it in `overridden`; the ConfigMap's other networks stay", async () => {
    mesh.c1.create({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio', namespace: 'istio-system' },
      data: {
        meshNetworks:
          'networks:\n  network9:\n    gateways: [{address: 127.50.0.9, port: 15443}]\n  network6:\n    gateways: [{address: 127.50.0.6, port: 15443}]\n',
      },
    });
    // The ConfigMap is in force once its own network shows up.
    await waitFor(() => gatewaysOf(mesh, 'network6').length === 1, "the ConfigMap's network6", { timeoutMs: 10_000 });
    assert.deepEqual(gatewaysOf(mesh, 'network9'), ['127.50.0.1:15443'], "network9 is the file's");

    const view = await debugMesh(mesh);
    assert.deepEqual(view.overridden, ['network9']);
    assert.deepEqual(Object.keys(view.meshNetworks.networks).sort(), ['network6', 'network9']);
    const network9 = JSON.stringify(view.meshNetworks.networks.network9);
    assert.ok(network9.includes('127.50.0.1') && !network9.includes('127.50.0.9'), `network9 in effect: ${network9}`);

    // Once the file no longer defines it, the ConfigMap's definition applies and nothing is overridden.
    await writeFile(file, 'networks:\n  network8:\n    gateways: [{address: 127.50.0.8, port: 15443}]\n');
    await waitFor(() => gatewaysOf(mesh, 'network9').join() === '127.50.0.9:15443', "the ConfigMap's network9", { timeoutMs: 10_000 });
    assert.deepEqual((await debugMesh(mesh)).overridden, []);
  });
});
