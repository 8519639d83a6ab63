import { strict as assert } from 'node:assert';
import * as grpc from '@grpc/grpc-js';
import http2 from 'node:http2';
import { downstreamResetCode, startEastWestGateway, type EastWestGateway } from '../../src/dataplane/eastwest-gateway.js';
import { createStaticResolver, type BackendAddress, type StaticResolver } from '../../src/dataplane/endpoint-resolver.js';
import { startHelloworld, type HelloworldBackend } from '../../src/dataplane/helloworld.js';
import { echoClient, greeterClient, sayHello, sayHelloOutcome, startEchoBackend, unary, type EchoBackend } from './helpers.js';
import { waitFor } from '../support/wait.js';

const fqdn = 'helloworld.sample.svc.cluster.local:5000';
const at = (b: { address: string; port: number }): BackendAddress => ({ address: b.address, port: b.port });
const key = (b: { address: string; port: number }) => `${b.address}:${b.port}`;

describe('dataplane: east-west gateway', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const hello = async (address: string, version: string, podName: string): Promise<HelloworldBackend> => {
    const b = await startHelloworld({ address, port: 0, version, podName });
    cleanup.push(() => b.stop({ graceMs: 100 }));
    return b;
  };
  const echo = async (address: string, servedBy: string): Promise<EchoBackend> => {
    const b = await startEchoBackend(address, servedBy);
    cleanup.push(() => b.kill());
    return b;
  };
  const gateway = async (resolver: StaticResolver, network = 'network2'): Promise<EastWestGateway> => {
    const gw = await startEastWestGateway({ network, address: '127.10.0.40', port: 0, resolve: resolver.resolve });
    cleanup.push(() => gw.close());
    return gw;
  };
  const client = <T extends grpc.Client>(make: () => T): T => {
    const c = make();
    cleanup.push(() => c.close());
    return c;
  };
  const target = (gw: EastWestGateway) => `${gw.address}:${gw.port}`;

  it('forwards by authority (all three forms) round robin across two backends, and counts', async () => {
    const a = await hello('127.10.0.41', 'v2', 'helloworld-v2-a');
    const b = await hello('127.10.0.42', 'v2', 'helloworld-v2-b');
    const gw = await gateway(createStaticResolver({ 'helloworld.sample:5000': [at(a), at(b)] }));

    const replies: string[] = [];
    for (const authority of ['helloworld.sample:5000', 'helloworld.sample.svc:5000', fqdn]) {
      const c = client(() => greeterClient(target(gw), authority));
      for (let i = 0; i < 4; i++) replies.push(await sayHello(c));
    }
    const fromA = replies.filter((r) => r === 'Hello version: v2, instance: helloworld-v2-a').length;
    const fromB = replies.filter((r) => r === 'Hello version: v2, instance: helloworld-v2-b').length;
    assert.deepEqual([fromA, fromB], [6, 6], replies.join('\n'));
    // Strict alternation: round robin per service, whatever form named it.
    for (let i = 1; i < replies.length; i++) assert.notEqual(replies[i], replies[i - 1]);
    assert.equal(a.calls + b.calls, 12);

    const stats = gw.stats();
    assert.equal(stats.network, 'network2');
    assert.equal(stats.port, gw.port);
    assert.deepEqual(stats.authorities, { [fqdn]: { forwarded: 12, failed: 0 } });
    assert.deepEqual(stats.backends, { [key(a)]: { forwarded: 6, failed: 0 }, [key(b)]: { forwarded: 6, failed: 0 } });
    assert.deepEqual(stats.rejected, {});
  });

  it('answers UNAVAILABLE with a clear message for no namespace, unknown service or no endpoint, and keeps serving', async () => {
    const a = await hello('127.10.0.43', 'v1', 'helloworld-v1-a');
    const resolver = createStaticResolver({ [fqdn]: [at(a)] });
    const gw = await gateway(resolver);
    const outcome = (authority: string) => sayHelloOutcome(client(() => greeterClient(target(gw), authority)), 5000);

    assert.equal(
      await outcome('helloworld:5000'),
      'error 14: eastwest gateway network2: authority "helloworld:5000" names no namespace (expected <name>.<namespace>[.svc[.cluster.local]]:<port>)',
    );
    assert.equal(await outcome('nope.sample:5000'), 'error 14: eastwest gateway network2: no ready endpoint for nope.sample.svc.cluster.local:5000');
    assert.equal(await outcome('helloworld.sample:5001'), 'error 14: eastwest gateway network2: no ready endpoint for helloworld.sample.svc.cluster.local:5001');
    assert.equal(await outcome('helloworld.sample:5000'), 'Hello version: v1, instance: helloworld-v1-a');

    resolver.set('helloworld.sample:5000', []);
    assert.equal(await outcome('helloworld.sample:5000'), `error 14: eastwest gateway network2: no ready endpoint for ${fqdn}`);
    resolver.set('helloworld.sample:5000', [at(a)]);
    assert.equal(await outcome('helloworld.sample:5000'), 'Hello version: v1, instance: helloworld-v1-a');

    const stats = gw.stats();
    assert.deepEqual(stats.rejected, { 'helloworld:5000': 1 });
    assert.deepEqual(stats.authorities[fqdn], { forwarded: 2, failed: 1 });
    assert.deepEqual(stats.authorities['nope.sample.svc.cluster.local:5000'], { forwarded: 0, failed: 1 });
    assert.deepEqual(stats.backends, { [key(a)]: { forwarded: 2, failed: 0 } });
  });

  it('answers a resolver that throws with UNAVAILABLE, not a crash', async () => {
    const gw = await startEastWestGateway({
      network: 'network9',
      address: '127.10.0.40',
      port: 0,
      resolve: () => {
        throw new Error('xds not connected');
      },
    });
    cleanup.push(() => gw.close());
    const c = client(() => greeterClient(target(gw), 'helloworld.sample:5000'));
    assert.equal(await sayHelloOutcome(c), `error 14: eastwest gateway network9: cannot resolve ${fqdn}: xds not connected`);
    assert.deepEqual(gw.stats().authorities[fqdn], { forwarded: 0, failed: 1 });
  });

  it('waits for a resolver that answers with a promise', async () => {
    const a = await hello('127.10.0.44', 'v1', 'helloworld-v1-a');
    const gw = await startEastWestGateway({
      network: 'network1',
      address: '127.10.0.40',
      port: 0,
      resolve: (host, port) => new Promise((resolve) => setTimeout(() => resolve(`${host}:${port}` === fqdn ? [at(a)] : []), 50)),
    });
    cleanup.push(() => gw.close());
    assert.equal(await sayHello(client(() => greeterClient(target(gw), fqdn))), 'Hello version: v1, instance: helloworld-v1-a');
  });

  it('fails calls to a stopped backend cleanly while the other keeps working', async () => {
    const a = await hello('127.10.0.45', 'v2', 'helloworld-v2-a');
    const b = await hello('127.10.0.46', 'v2', 'helloworld-v2-b');
    const gw = await gateway(createStaticResolver({ [fqdn]: [at(a), at(b)] }));
    const c = client(() => greeterClient(target(gw), 'helloworld.sample:5000'));
    for (let i = 0; i < 4; i++) await sayHello(c); // both sessions pooled
    await b.stop({ graceMs: 100 });

    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await sayHelloOutcome(c, 5000));
    const ok = outcomes.filter((o) => o === 'Hello version: v2, instance: helloworld-v2-a');
    const failed = outcomes.filter((o) => o.startsWith('error 14: eastwest gateway network2: backend 127.10.0.46:'));
    assert.equal(ok.length, 3, outcomes.join('\n'));
    assert.equal(failed.length, 3, outcomes.join('\n'));
    assert.match(failed[0]!, new RegExp(`for ${fqdn.replaceAll('.', '\\.')} failed: .*ECONNREFUSED`));

    const stats = gw.stats();
    assert.deepEqual(stats.backends[key(a)], { forwarded: 5, failed: 0 });
    assert.deepEqual(stats.backends[key(b)], { forwarded: 5, failed: 3 });
    assert.deepEqual(stats.authorities[fqdn], { forwarded: 10, failed: 3 });
  });

  it('resets only the stream whose backend dies mid-call', async () => {
    const dying = await echo('127.10.0.47', 'dying');
    const healthy = await echo('127.10.0.48', 'healthy');
    const resolver = createStaticResolver({ 'echo.test:7000': [at(dying)], 'other.test:7000': [at(healthy)] });
    const gw = await gateway(resolver);
    const toDying = client(() => echoClient(target(gw), 'echo.test:7000'));
    const toHealthy = client(() => echoClient(target(gw), 'other.test:7000'));

    // Hold a server-streaming call on each backend, over the same client connection to the gateway.
    const shared = client(() => echoClient(target(gw), 'echo.test:7000'));
    const held = (c: grpc.Client, authority?: string) => {
      const received: string[] = [];
      const call = (c as unknown as { serverStream: (req: object, opts: grpc.CallOptions) => grpc.ClientReadableStream<{ servedBy: string }> }).serverStream(
        { text: 'hold', count: 2, hold: true },
        authority ? { host: authority } : {},
      );
      call.on('data', (reply) => received.push(reply.servedBy));
      const status = new Promise<grpc.StatusObject | grpc.ServiceError>((resolve) => {
        call.on('error', resolve);
        call.on('status', resolve);
      });
      return { call, received, status };
    };
    const onDying = held(shared);
    const onHealthy = held(shared, 'other.test:7000');
    await waitFor(() => onDying.received.length === 2 && onHealthy.received.length === 2, 'both held calls to stream their replies');

    dying.kill();
    // Reset with INTERNAL_ERROR, which grpc-js reports as INTERNAL (not CANCELLED: the caller did not cancel).
    const status = await onDying.status;
    assert.equal(status.code, grpc.status.INTERNAL, status.details);
    assert.match(status.details, /RST_STREAM with code 2/);
    assert.deepEqual(onDying.received, ['dying', 'dying']);

    // The other call on the same client connection is untouched and still streams.
    assert.deepEqual(onHealthy.received, ['healthy', 'healthy']);
    assert.equal(onHealthy.call.destroyed, false);
    const other = await unary<{ servedBy: string }>(toHealthy, 'unary', { text: 'still there' });
    assert.equal(other.servedBy, 'healthy');
    onHealthy.call.cancel();
    assert.equal((await onHealthy.status).code, grpc.status.CANCELLED);
    await waitFor(() => healthy.holding() === 0, 'the healthy backend to see the cancel');

    // A new call to the dead backend fails cleanly with the gateway's message.
    await assert.rejects(unary(toDying, 'unary', { text: 'x' }), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.UNAVAILABLE);
      assert.match(err.details, /eastwest gateway network2: backend 127\.10\.0\.47:\d+ for echo\.test\.svc\.cluster\.local:7000 failed/);
      return true;
    });
    const stats = gw.stats();
    assert.deepEqual(stats.backends[key(dying)], { forwarded: 2, failed: 2 });
    assert.deepEqual(stats.backends[key(healthy)], { forwarded: 2, failed: 0 });
  });

  it('carries server-streaming and bidi calls, metadata, trailers, error statuses and large messages', async () => {
    const backend = await echo('127.10.0.49', 'echo-pod');
    const gw = await gateway(createStaticResolver({ 'echo.test:7000': [at(backend)] }));
    const c = client(() => echoClient(target(gw), 'echo.test.svc.cluster.local:7000'));
    const api = c as unknown as {
      serverStream: (req: object) => grpc.ClientReadableStream<{ index: number; text: string }>;
      bidi: () => grpc.ClientDuplexStream<{ text: string }, { index: number; text: string }>;
      unary: (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, reply?: { text: string; payload: Buffer }) => void) => grpc.ClientUnaryCall;
    };

    // Server streaming: 50 replies in order, then OK.
    const streamed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = api.serverStream({ text: 'tick', count: 50 });
      call.on('data', (reply) => streamed.push(reply.index));
      call.on('error', reject);
      call.on('status', (s: grpc.StatusObject) => (s.code === grpc.status.OK ? resolve() : reject(new Error(s.details))));
    });
    assert.deepEqual(streamed, Array.from({ length: 50 }, (_, i) => i));

    // Bidi: each message answered before the next is sent.
    const bidi = api.bidi();
    const answers: string[] = [];
    for (const word of ['alpha', 'beta', 'gamma']) {
      const answer = new Promise<string>((resolve) => bidi.once('data', (reply: { text: string }) => resolve(reply.text)));
      bidi.write({ text: word });
      answers.push(await answer);
    }
    const bidiStatus = new Promise<grpc.StatusObject>((resolve) => bidi.on('status', resolve));
    bidi.on('data', () => undefined);
    bidi.end();
    assert.deepEqual(answers, ['ALPHA', 'BETA', 'GAMMA']);
    assert.equal((await bidiStatus).code, grpc.status.OK);

    // Unary with request metadata, response headers, trailers and a 1 MiB payload both ways.
    const payload = Buffer.alloc(1 << 20, 7);
    const md = new grpc.Metadata();
    md.set('x-test', 'through-the-gateway');
    const seen: { header?: string; trailer?: string } = {};
    const reply = await new Promise<{ text: string; payload: Buffer }>((resolve, reject) => {
      const call = api.unary({ text: 'big', payload }, md, (err, r) => (err ? reject(err) : resolve(r!)));
      call.on('metadata', (m: grpc.Metadata) => (seen.header = m.get('x-echo-header')[0]?.toString()));
      call.on('status', (s: grpc.StatusObject) => (seen.trailer = s.metadata.get('x-served-by')[0]?.toString()));
    });
    assert.equal(reply.text, 'big');
    assert.ok(reply.payload.equals(payload));
    await waitFor(() => seen.trailer !== undefined, 'the trailers to be seen');
    assert.deepEqual(seen, { header: 'through-the-gateway', trailer: 'echo-pod' });

    // An error status from the backend (a trailers-only response) passes through unchanged.
    await assert.rejects(unary(c, 'unary', { text: 'boom', failWith: grpc.status.NOT_FOUND }), (err: grpc.ServiceError) => {
      assert.equal(err.code, grpc.status.NOT_FOUND);
      assert.equal(err.details, 'asked to fail: boom');
      assert.equal(err.metadata.get('x-served-by')[0], 'echo-pod');
      return true;
    });

    // The backend's own errors are not the gateway's failures.
    assert.deepEqual(gw.stats().authorities['echo.test.svc.cluster.local:7000'], { forwarded: 4, failed: 0 });
  });

  it('answers a non-gRPC request with a plain 502, and survives garbage', async () => {
    const resolver = createStaticResolver();
    const gw = await gateway(resolver);
    const session = http2.connect(`http://${target(gw)}`);
    cleanup.push(() => session.destroy());
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = session.request({ ':path': '/', ':authority': 'nobody' });
      let body = '';
      let status = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => resolve({ status, body }));
      req.on('error', reject);
      req.end();
    });
    assert.equal(res.status, 502);
    assert.match(res.body, /eastwest gateway network2: authority "nobody" has no port/);

    // Not HTTP/2 at all: the connection is dropped, the gateway keeps serving.
    const net = await import('node:net');
    await new Promise<void>((resolve) => {
      const socket = net.connect(gw.port, gw.address, () => socket.end('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
      socket.resume();
    });
    const a = await hello('127.10.0.50', 'v1', 'helloworld-v1-a');
    resolver.set(fqdn, [at(a)]);
    assert.equal(await sayHello(client(() => greeterClient(target(gw), fqdn))), 'Hello version: v1, instance: helloworld-v1-a');
    assert.deepEqual(gw.stats().rejected, { nobody: 1 });
  });

  it('closes everything: client and backend sessions and the listener', async () => {
    const a = await hello('127.10.0.51', 'v1', 'helloworld-v1-a');
    const gw = await startEastWestGateway({ network: 'network2', address: '127.10.0.40', port: 0, resolve: createStaticResolver({ [fqdn]: [at(a)] }).resolve });
    const c = client(() => greeterClient(target(gw), fqdn));
    assert.equal(await sayHello(c), 'Hello version: v1, instance: helloworld-v1-a');
    assert.equal(gw.stats().backendSessions, 1);
    await gw.close();
    assert.equal(gw.stats().backendSessions, 0);
    assert.match(await sayHelloOutcome(c, 3000), /^error 14: /);
    await assert.rejects(
      startEastWestGateway({ network: 'network2', address: '127.10.0.51', port: a.port, resolve: () => [] }),
      new RegExp(`eastwest gateway network2: cannot listen on 127\\.10\\.0\\.51:${a.port}: address already in use`),
    );
  });

  it('never resets a caller with a code that would mislead it', () => {
    const { NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM, NGHTTP2_INTERNAL_ERROR, NGHTTP2_ENHANCE_YOUR_CALM } = http2.constants;
    for (const code of [undefined, NGHTTP2_NO_ERROR, NGHTTP2_CANCEL, NGHTTP2_REFUSED_STREAM]) {
      assert.equal(downstreamResetCode(code), NGHTTP2_INTERNAL_ERROR);
    }
    assert.equal(downstreamResetCode(NGHTTP2_ENHANCE_YOUR_CALM), NGHTTP2_ENHANCE_YOUR_CALM);
  });

  it('gives up on a backend that accepts TCP but never speaks HTTP/2', async () => {
    const net = await import('node:net');
    const sockets = new Set<import('node:net').Socket>();
    const silent = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.10.0.52', resolve));
    cleanup.push(() => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      silent.close(() => resolve());
    }));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    const gw = await startEastWestGateway({
      network: 'network2',
      address: '127.10.0.40',
      port: 0,
      connectTimeoutMs: 300,
      resolve: createStaticResolver({ [fqdn]: [{ address: '127.10.0.52', port }] }).resolve,
    });
    cleanup.push(() => gw.close());
    assert.equal(
      await sayHelloOutcome(client(() => greeterClient(target(gw), fqdn)), 10_000),
      `error 14: eastwest gateway network2: backend 127.10.0.52:${port} for ${fqdn} failed: no HTTP/2 handshake within 300 ms`,
    );
  });
});
