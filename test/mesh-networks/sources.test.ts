// meshNetworks from a file through MeshNetworksSources: a broken edit keeps the last good value (so the
// last good topology), a document accepted with warnings keeps them where the debug API shows them.
import { strict as assert } from 'node:assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulatedClusters, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { KubeConnection } from '../../src/kube/kube-connection.js';
import { MeshModel } from '../../src/mesh/mesh-model.js';
import { MeshNetworksSources } from '../../src/mesh-networks/sources.js';
import { parseMeshNetworksSource } from '../../src/mesh-networks/source-parse.js';
import { Registry } from '../../src/registry/registry.js';
import { buildTopology, emptyMeshNetworks, type MeshNetworks } from '../../src/topology/index.js';
import { demoClusters } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

describe('meshconfig/MeshNetworksSources (file)', () => {
  let dir: string;
  let file: string;
  let sources: MeshNetworksSources<MeshNetworks> | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-mn-sources-'));
    file = path.join(dir, 'mn.yaml');
  });
  afterEach(async () => {
    sources?.stop();
    sources = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (text: string) => {
    await writeFile(file, text);
    sources = new MeshNetworksSources<MeshNetworks>({ parse: parseMeshNetworksSource, empty: emptyMeshNetworks, file, systemNamespace: 'istio-system', filePollMs: 20 });
    await sources.start();
    return sources;
  };
  const fileState = () => sources!.sources()[0]!;
  const topologyOf = (s: MeshNetworksSources<MeshNetworks>) =>
    buildTopology({ ...(s.current().file ? { meshNetworks: s.current().file } : {}), services: [], nodes: [], lookupHostname: () => undefined });

  it('a meshNetworks that does not parse keeps the previous one in effect, and reports every error with its position', async () => {
    const s = await start('networks:\n  network3:\n    gateways: [{address: 192.0.2.30, port: 15443}]\n');
    const previous = s.current().file;
    assert.ok(previous);
    assert.deepEqual(topologyOf(s).allGateways.map((g) => g.address), ['192.0.2.30']);

    await writeFile(file, 'networks:\n  network3:\n    gateways: [{address: 192.0.2.31, port: 99999}]\n');
    await waitFor(() => fileState().error !== undefined, 'the error recorded', { timeoutMs: 10_000 });
    assert.equal(
      fileState().error,
      `file ${file}: line 3, column 44: network "network3" gateway 0: port must be 1-65535, found number 99999; keeping the last good config`,
    );
    assert.deepEqual(s.current().file, previous);
    assert.deepEqual(topologyOf(s).allGateways.map((g) => g.address), ['192.0.2.30'], 'the last good topology');
  });

  it('without a previous meshNetworks, a rejected one means none', async () => {
    const s = await start('networks: 1');
    assert.equal(s.current().file, undefined);
    assert.match(fileState().error!, /nothing from this source is in effect$/);
    assert.deepEqual(topologyOf(s).meshNetworks, { networks: [] });
  });

  it('warnings of an accepted document are kept with the source and become topology problems (/debug/networkz)', async () => {
    const shared = 'networks:\n  network1:\n    endpoints: [{fromRegistry: cluster1}]\n  network2:\n    endpoints: [{fromRegistry: cluster1}]\n';
    const s = await start(shared);
    assert.deepEqual(s.current().file?.networks.map((n) => n.name), ['network1', 'network2'], 'accepted');
    assert.equal(fileState().warnings?.length, 1);
    assert.match(fileState().warnings![0]!, /fromRegistry "cluster1" is already claimed by network "network1"/);

    const mesh = new MeshModel({ registry: new Registry('cluster.local'), meshNetworks: s });
    try {
      assert.deepEqual(
        mesh.topology.problems.map((p) => [p.severity, p.subject, p.message]),
        [['warning', 'meshNetworks', fileState().warnings![0]!]],
      );
      // A broken edit: the warnings of the value still in effect stay, the error joins them.
      await writeFile(file, 'networks: 1');
      await waitFor(() => mesh.topology.problems.some((p) => p.severity === 'error'), 'the error among the problems', { timeoutMs: 10_000 });
      assert.equal(mesh.topology.problems.length, 2);
      // Fixed: no warning, no error.
      await writeFile(file, 'networks:\n  network1:\n    endpoints: [{fromRegistry: cluster1}]\n');
      await waitFor(() => mesh.topology.problems.length === 0, 'no problems once fixed', { timeoutMs: 10_000 });
      assert.equal(fileState().warnings, undefined);
    } finally {
      mesh.close();
    }
  });
});

describe('meshconfig/MeshNetworksSources (ConfigMap) hasSynced', function () {
  this.timeout(60_000);
  let set: EmulatedClusterSet;
  before(async () => {
    set = await startEmulatedClusters(demoClusters);
  });
  after(async () => {
    await set?.stop();
  });

  it('is false until the istio ConfigMap has been listed (absent counts), then true', async () => {
    const c1 = set.get('cluster1');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(c1.kubeconfigYaml({ contextName: 'cluster1' }));
    const primary = new KubeConnection({ cluster: 'cluster1', kubeConfig, syncTimeoutMs: 10_000, backoff: { initialMs: 50, maxMs: 200 } });
    await c1.stop();
    const sources = new MeshNetworksSources<MeshNetworks>({
      parse: parseMeshNetworksSource,
      empty: emptyMeshNetworks,
      primary,
      systemNamespace: 'istio-system',
    });
    assert.equal(sources.hasSynced, false, 'not started');
    try {
      await sources.start();
      primary.start();
      // The API server is down: nothing can have been listed.
      assert.equal(sources.hasSynced, false, 'started, API server down');
      await c1.restart();
      await waitFor(() => sources.hasSynced, 'listed once the API server is back', { timeoutMs: 20_000 });
      assert.equal(sources.current().configMap, undefined, 'no ConfigMap istio in the demo');
    } finally {
      sources.stop();
      primary.stop();
    }
  });
});
