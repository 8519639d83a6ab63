// One misbehaving client against a running Horizon (the demo's emulated clusters, default limits): it
// subscribes 100,000 names, NACKs everything it gets thousands of times, sends garbage streams and bad
// HTTP/2 frames. A well-behaved client on the same server keeps getting its pushes; the hostile one is
// refused where it passes a limit, and /metrics counts it.
import * as grpc from '@grpc/grpc-js';
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';
import { claAddresses, HELLO_CLA, startDemoMesh, type DemoMesh } from '../support/demo-mesh.js';
import { waitFor } from '../support/wait.js';

const SLEEP_CLA = 'outbound|80||sleep.sample.svc.cluster.local';

describe('a hostile xDS client beside a well-behaved one', function () {
  this.timeout(90_000);
  let mesh: DemoMesh;
  const clients: AdsClient[] = [];
  const client = (id: string, extra: Partial<ConstructorParameters<typeof AdsClient>[0]> = {}) => {
    const c = new AdsClient({ address: mesh.horizon.xds.address, node: { id, metadata: { NETWORK: 'network1', GENERATOR: 'grpc' } }, ...extra });
    clients.push(c);
    return c;
  };

  before(async () => {
    mesh = await startDemoMesh();
    await mesh.horizon.whenReady();
  });
  after(async () => {
    for (const c of clients) c.close();
    await mesh?.close();
  });

  it('the good client gets the change while the hostile one floods, NACKs and breaks frames', async () => {
    const good = client('good');
    good.subscribe(EDS, [HELLO_CLA]);
    await waitFor(() => claAddresses(good).length === 1, 'helloworld v1 endpoint', { timeoutMs: 15_000 });

    // 100,000 names on one stream: refused at the default limit, nothing of it kept.
    const flood = client('flood');
    flood.subscribe(EDS, Array.from({ length: 100_000 }, (_, i) => `s${i}`));
    // A NACK storm on another stream (of a service the change below leaves alone, so every NACK answers the latest response).
    const nacker = client('nacker', { autoAck: false });
    nacker.subscribe(EDS, [SLEEP_CLA]);
    await nacker.waitFor(() => nacker.resources(EDS).has(SLEEP_CLA), 10_000, 'nacker served');
    for (let i = 0; i < 2000; i++) nacker.nack(EDS, `storm ${i}`);
    // Garbage streams and a connection sending frames Node's HTTP/2 rejects.
    for (let i = 0; i < 20; i++) client(`garbage-${i}`).sendRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, i]));
    const raw = connect(mesh.horizon.xds.port, '127.0.0.1');
    raw.on('error', () => {});
    raw.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]), Buffer.from([0, 0, 2, 0, 0, 0, 0, 0, 0, 120, 120])]));

    // Meanwhile the mesh changes: helloworld v1 gets a second pod.
    mesh.c1.patch('apps/v1', 'Deployment', 'sample', 'helloworld-v1', { spec: { replicas: 2 } }, 'merge');
    await waitFor(() => claAddresses(good).length === 2, 'the good client got the change', { timeoutMs: 20_000 });
    assert.equal(good.status, undefined);

    const st = await flood.closed(20_000);
    assert.equal(st.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(st.details, /at most 20000 resource names per xDS stream \(got 100000\); raise it with --max-names-per-stream/);
    await waitFor(() => mesh.horizon.xds.connections().find((c) => c.node?.id === 'nacker')?.types[0]?.lastNack?.message === 'storm 1999', 'every NACK read', { timeoutMs: 20_000 });
    const { text } = await mesh.horizon.metrics.render();
    assert.match(text, /horizon_xds_limit_exceeded_total\{limit="names-per-stream"\} 1\n/);
    assert.match(text, /horizon_xds_nacks_total\{type="EDS"\} 2000\n/);
    assert.match(text, /horizon_xds_request_errors_total\{closed_stream="true"\} 20\n/);
    raw.destroy();
  });
});
