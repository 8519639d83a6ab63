// Proxyless gRPC for real: @grpc/grpc-js-xds clients (each in its own process, with its own bootstrap)
// resolve xds:///<name> through Horizon's ADS server and call real gRPC backends.
import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { startXdsServer, type XdsServer } from '../../src/xds/server/server.js';
import type { NackEvent } from '../../src/xds/server/observer.js';
import { clusterName } from '../../src/xds/generators/names.js';
import {
  CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS,
  CLUSTER_TYPE as CDS,
  LISTENER_TYPE as LDS,
  ROUTE_CONFIGURATION_TYPE as RDS,
} from '../../src/xds/type-urls.js';
import { runGrpcXdsClient, startGrpcXdsClient, type GrpcXdsClientHandle } from '../support/grpc-xds-client.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';

const HOST = 'helloworld.sample.svc.cluster.local';
const PORT = 5000;
/** The listener a proxyless client asks for is its target's <host>:<port> (see generators/names.ts). */
const LISTENER = `${HOST}:${PORT}`;
const TARGET = `xds:///${LISTENER}`;
const LOCALITY = { region: 'region1', zone: 'zone1', subzone: '' };

interface Backend {
  id: string;
  port: number;
  server: grpc.Server;
}

/** A helloworld.Greeter that says which backend answered. */
async function startBackend(id: string): Promise<Backend> {
  const protoPath = fileURLToPath(new URL('../../proto/helloworld.proto', import.meta.url));
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true })) as unknown as {
    helloworld: { Greeter: grpc.ServiceClientConstructor };
  };
  const server = new grpc.Server();
  server.addService(pkg.helloworld.Greeter.service, {
    SayHello: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, cb: grpc.sendUnaryData<{ message: string }>) =>
      cb(null, { message: `hello ${call.request.name} from ${id}` }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { id, port, server };
}

const from = (r: { reply?: { message?: string } }) => /from (\S+)$/.exec(r.reply?.message ?? '')?.[1];

describe('xds proxyless gRPC (@grpc/grpc-js-xds against Horizon)', function () {
  this.timeout(120_000);
  let xds: XdsServer;
  let provider: StaticProvider;
  let backends: Backend[] = [];
  const nacks: NackEvent[] = [];
  let handles: GrpcXdsClientHandle[] = [];

  const cluster = clusterName(PORT, '', HOST);
  const claFor = (clusterName: string, ...bs: Backend[]) => ({
    clusterName,
    endpoints: [{ locality: LOCALITY, lbEndpoints: bs.map((b) => ({ address: '127.0.0.1', port: b.port })) }],
  });

  beforeEach(async () => {
    backends = await Promise.all(['backend-a', 'backend-b'].map(startBackend));
    provider = new StaticProvider();
    nacks.length = 0;
    xds = await startXdsServer({ address: '127.0.0.1:0', provider, log: quietLog, observer: { onNack: (e) => nacks.push(e) } });
    provider.listener({ name: LISTENER, routeConfigName: cluster });
    provider.route({
      name: cluster,
      virtualHosts: [{ name: `${HOST}:${PORT}`, domains: [`${HOST}:${PORT}`, HOST], routes: [{ match: { prefix: '' }, action: { cluster } }] }],
    });
    provider.cluster({ name: cluster, lbPolicy: 'ROUND_ROBIN', connectTimeoutMs: 1000 });
    provider.cla(claFor(cluster, backends[0]!));
  });

  afterEach(async () => {
    await Promise.all(handles.map((h) => h.stop().catch(() => [])));
    handles = [];
    await xds.close();
    for (const b of backends) b.server.forceShutdown();
  });

  it('resolves xds:/// through LDS, RDS, CDS and EDS and reaches the backend; ACKs everything', async () => {
    const results = await runGrpcXdsClient({
      server: xds.address,
      target: TARGET,
      nodeId: 'proxyless-1',
      metadata: { NETWORK: 'network1', GENERATOR: 'grpc', CLUSTER_ID: 'cluster1' },
      locality: LOCALITY,
      calls: 5,
    });
    assert.equal(results.length, 5);
    for (const r of results) assert.ok(r.ok, `call failed: ${JSON.stringify(r)}`);
    assert.deepEqual(new Set(results.map(from)), new Set(['backend-a']));
    assert.equal(results[0]!.reply.message, 'hello horizon from backend-a');
    assert.deepEqual(nacks, []);
  });

  it('keeps the connection state the debug API needs while a proxyless client is connected', async () => {
    const h = startGrpcXdsClient({ server: xds.address, target: TARGET, nodeId: 'proxyless-2', metadata: { NETWORK: 'network1' }, locality: LOCALITY, calls: 0, intervalMs: 50 });
    handles.push(h);
    await h.waitFor((rs) => rs.some((r) => r.ok), 60_000, 'a successful call');
    const snap = xds.connections().find((c) => c.node?.id === 'proxyless-2')!;
    assert.ok(snap, 'connection listed');
    assert.equal(snap.node!.proxyless, true, 'grpc-js-xds user agent marks the node proxyless');
    assert.match(snap.node!.userAgentName, /^gRPC/);
    assert.equal(snap.node!.network, 'network1');
    assert.deepEqual(snap.node!.locality, LOCALITY);
    const byType = new Map(snap.types.map((t) => [t.typeUrl, t]));
    for (const [t, name] of [[LDS, LISTENER], [RDS, cluster], [CDS, cluster], [EDS, cluster]] as const) {
      const st = byType.get(t);
      assert.ok(st, `subscribed to ${t}`);
      assert.deepEqual(st.subscribed, [name]);
      assert.equal(st.lastAcked?.nonce, st.lastSent?.nonce, `${t} acked`);
      assert.equal(st.lastNack, undefined);
    }
  });

  it('moves calls to another backend when a push changes the ClusterLoadAssignment', async () => {
    const h = startGrpcXdsClient({ server: xds.address, target: TARGET, metadata: { NETWORK: 'network1' }, calls: 0, intervalMs: 20 });
    handles.push(h);
    await h.waitFor((rs) => rs.filter((r) => from(r) === 'backend-a').length >= 3, 60_000, 'calls reaching backend-a');
    provider.cla(claFor(cluster, backends[1]!));
    xds.push({ changes: new Map([[EDS, new Set([cluster])]]) });
    await h.waitFor((rs) => rs.some((r) => from(r) === 'backend-b'), 30_000, 'calls moving to backend-b');
    const switchedAt = h.results.findIndex((r) => from(r) === 'backend-b');
    await h.waitFor((rs) => rs.length >= switchedAt + 6, 30_000, 'calls after the switch');
    const after = h.results.slice(switchedAt, switchedAt + 6);
    assert.deepEqual(new Set(after.map(from)), new Set(['backend-b']), `after the push: ${JSON.stringify(after.map(from))}`);
    assert.ok(h.results.every((r) => r.ok), 'no call failed during the move');
  });

  it('splits calls by the weights of a weighted-clusters route', async () => {
    const ca = clusterName(PORT, 'v1', HOST);
    const cb = clusterName(PORT, 'v2', HOST);
    provider.route({
      name: cluster,
      virtualHosts: [
        { name: 'hw', domains: [`${HOST}:${PORT}`], routes: [{ match: { prefix: '' }, action: { weightedClusters: [{ name: ca, weight: 75 }, { name: cb, weight: 25 }] } }] },
      ],
    });
    for (const [name, b] of [[ca, backends[0]!], [cb, backends[1]!]] as const) {
      provider.cluster({ name, lbPolicy: 'ROUND_ROBIN', connectTimeoutMs: 1000 });
      provider.cla(claFor(name, b));
    }
    const results = await runGrpcXdsClient({ server: xds.address, target: TARGET, calls: 300 });
    assert.ok(results.every((r) => r.ok), JSON.stringify(results.find((r) => !r.ok)));
    const a = results.filter((r) => from(r) === 'backend-a').length;
    const share = a / results.length;
    console.log(`      weighted 75/25: backend-a got ${a}/${results.length} (${(share * 100).toFixed(1)}%)`);
    // 300 calls at p=0.75: 3 sigma is about +/- 7.5 points.
    assert.ok(share > 0.62 && share < 0.88, `backend-a share ${share}`);
    assert.deepEqual(nacks, []);
  });
});
