// meshNetworks from a file through MeshNetworksSources: a broken edit keeps the last good value (so the
// last good topology), a document accepted with warnings keeps them where the debug API shows them.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startEmulatedClusters, type EmulatedClusterSet } from '../../src/emulator/index.js';
import { KubeConnection } from '../../src/kube/kube-connection.js';
import { MeshModel } from '../../src/mesh/mesh-model.js';
import { IstioConfigMap } from '../../src/mesh-networks/istio-config-map.js';
import { MeshNetworksSources } from '../../src/mesh-networks/sources.js';
import { parseMeshNetworksSource } from '../../src/mesh-networks/source-parse.js';
import { Registry } from '../../src/registry/registry.js';
import { buildTopology, emptyMeshNetworks, type MeshNetworks } from '../../src/topology/index.js';
import { demoClusters } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

describe('meshconfig/MeshNetworksSources (file)', function () {
  this.timeout(60_000);
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

  /** Starts the file source on `text` (undefined: whatever is at the path already). */
  const start = async (text: string | undefined, options: { maxFileBytes?: number } = {}) => {
    if (text !== undefined) await writeFile(file, text);
    sources = new MeshNetworksSources<MeshNetworks>({ parse: parseMeshNetworksSource, empty: emptyMeshNetworks, file, filePollMs: 20, ...options });
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

  const good = 'networks:\n  network3:\n    gateways: [{address: 192.0.2.30, port: 15443}]\n';

  it('a 10 MB file is refused from its size, without being read, naming the limit and its flag; the last good value stays', async () => {
    const s = await start(good);
    const previous = s.current().file;
    assert.deepEqual(previous?.networks.map((n) => n.name), ['network3']);
    const big = `networks:\n${Array.from({ length: 100_000 }, (_, i) => `  network${i}:\n    gateways: [{address: 192.0.2.1, port: 15443}]\n    endpoints: [{fromRegistry: cluster${i}}]`).join('\n')}\n`;
    await writeFile(file, big);
    // (The file may be seen half written first: refused then too, with the size it had.)
    const expected = `file ${file}: refused without reading it: limit exceeded: at most 1048576 bytes of a meshNetworks document (got ${Buffer.byteLength(big)}); raise it with --max-mesh-networks-bytes; keeping the last good config`;
    await waitFor(() => fileState().error === expected, 'the refusal recorded', { timeoutMs: 10_000 });
    assert.equal(s.current().file, previous);
    // Back to the same good text: read again, and the error goes.
    await writeFile(file, good);
    await waitFor(() => fileState().error === undefined && s.current().file?.networks.length === 1, 'the error cleared', { timeoutMs: 10_000 });
    assert.deepEqual(s.current().file, previous);
  });

  it('a file being written (truncated, then written in pieces) is read once it is still: the empty or half file never takes effect', async () => {
    const s = await start(good);
    const seen: string[][] = [];
    s.on('changed', () => seen.push(s.current().file?.networks.map((n) => n.name) ?? []));
    const next = `networks:\n${Array.from({ length: 20 }, (_, i) => `  n${i}: {gateways: [{address: 192.0.2.${i + 1}, port: 15443}]}`).join('\n')}\n`;
    // Written the way `>` or a plain writeFile does it: truncate, then the content in pieces (polls every 20 ms).
    const handle = await open(file, 'w');
    try {
      const cut = next.indexOf('  n10:');
      await new Promise((r) => setTimeout(r, 40));
      await handle.write(next.slice(0, cut));
      await new Promise((r) => setTimeout(r, 40));
      await handle.write(next.slice(cut));
    } finally {
      await handle.close();
    }
    await waitFor(() => s.current().file?.networks.length === 20, 'the whole new file in effect', { timeoutMs: 10_000 });
    assert.deepEqual(seen.map((names) => names.length), [20], `values taken: ${JSON.stringify(seen.map((n) => n.length))}`);
  });

  it('the byte limit is the one given (one byte over is refused, the limit itself is read)', async () => {
    const s = await start(good, { maxFileBytes: Buffer.byteLength(good) });
    assert.ok(s.current().file, 'exactly the limit is read');
    await writeFile(file, `${good}#`);
    await waitFor(() => fileState().error !== undefined, 'the refusal recorded', { timeoutMs: 10_000 });
    assert.match(fileState().error!, new RegExp(`at most ${Buffer.byteLength(good)} bytes of a meshNetworks document \\(got ${Buffer.byteLength(good) + 1}\\)`));
  });

  it('a FIFO (or any non-regular file) at the path is refused at once instead of waiting for a writer forever', async function () {
    try {
      execFileSync('mkfifo', [file]);
    } catch (err) {
      console.log(`    skipped: mkfifo could not make a FIFO here (${(err as Error).message})`);
      this.skip();
    }
    const started = Date.now();
    await start(undefined);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(fileState().error, `file ${file}: cannot be read (not a regular file); keeping the last good config`);
    assert.equal(sources!.current().file, undefined);
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
    const configMap = new IstioConfigMap(primary, 'istio-system');
    const sources = new MeshNetworksSources<MeshNetworks>({
      parse: parseMeshNetworksSource,
      empty: emptyMeshNetworks,
      configMap: configMap.key('meshNetworks'),
    });
    assert.equal(sources.hasSynced, false, 'not started');
    try {
      await sources.start();
      configMap.start();
      primary.start();
      // The API server is down: nothing can have been listed.
      assert.equal(sources.hasSynced, false, 'started, API server down');
      await c1.restart();
      await waitFor(() => sources.hasSynced, 'listed once the API server is back', { timeoutMs: 20_000 });
      assert.equal(sources.current().configMap, undefined, 'no ConfigMap istio in the demo');
    } finally {
      sources.stop();
      configMap.stop();
      primary.stop();
    }
  });
});
