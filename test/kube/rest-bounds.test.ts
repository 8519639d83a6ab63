// A remote Secret can point Horizon at any server, so an API server's answers are untrusted input too:
// a watch line that never ends, a list body of gigabytes, an event without an object. Each ends that
// request with an error the informer reports (and retries with backoff); memory stays bounded.
import { strict as assert } from 'node:assert';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { ResilientInformer } from '../../src/kube/informer.js';
import { KubeRest } from '../../src/kube/rest.js';
import { waitFor } from '../support/wait.js';

describe('kube REST client bounds (a hostile API server)', function () {
  this.timeout(30_000);
  let server: http.Server;
  let url: string;
  const informers: ResilientInformer<KubernetesObject>[] = [];
  let bytesSent = 0;

  /** Writes `prefix`, then 64 KiB of `ch` every millisecond until the client goes. */
  const endless = (res: http.ServerResponse, prefix: string, ch: string) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(prefix);
    const chunk = ch.repeat(64 * 1024);
    const timer = setInterval(() => {
      if (res.destroyed) return clearInterval(timer);
      bytesSent += chunk.length;
      res.write(chunk);
    }, 1);
    res.on('close', () => clearInterval(timer));
  };

  before(async () => {
    server = http.createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      const watching = u.searchParams.get('watch') === 'true';
      if (u.pathname === '/api/v1/endless') {
        if (!watching) return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
        // One watch line that never ends.
        return endless(res, '', 'x');
      }
      // A list body that never ends.
      if (u.pathname === '/api/v1/huge') return endless(res, '{"metadata":{"resourceVersion":"1"},"items":["', 'y');
      if (u.pathname === '/api/v1/objectless') {
        if (!watching) return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [null, 7, { metadata: { name: 'ok', namespace: 'n', resourceVersion: '1' } }] }));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ type: 'ADDED', object: null }) + '\n');
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    for (const i of informers.splice(0)) i.stop();
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const rest = () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({ clusters: [{ name: 'c', server: url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u' }], currentContext: 'c' });
    return new KubeRest(kc, { maxEventBytes: 1024 * 1024, maxBodyBytes: 1024 * 1024 });
  };
  const informer = (path: string, seen: string[] = []) => {
    const i = new ResilientInformer<KubernetesObject>({
      rest: rest(),
      path,
      backoff: { initialMs: 5_000, maxMs: 5_000 },
      handlers: { upsert: (o) => seen.push(o.metadata!.name!), remove: () => undefined },
    });
    informers.push(i);
    i.start();
    return i;
  };

  it('a watch line longer than the bound ends the watch with an error', async () => {
    bytesSent = 0;
    const i = informer('/api/v1/endless');
    await waitFor(() => i.state === 'failing', 'the watch failed');
    assert.match(i.lastError ?? '', /watch \/api\/v1\/endless: an event is longer than 1048576 characters/);
    assert.ok(bytesSent < 8 * 1024 * 1024, `the client stopped reading after ${bytesSent} bytes`);
  });

  it('a response body larger than the bound ends the request with an error', async () => {
    bytesSent = 0;
    const i = informer('/api/v1/huge');
    await waitFor(() => i.state === 'failing', 'the list failed');
    assert.match(i.lastError ?? '', /GET \/api\/v1\/huge: the response is larger than 1048576 bytes/);
    assert.ok(bytesSent < 8 * 1024 * 1024, `the client stopped reading after ${bytesSent} bytes`);
  });

  it('list items and watch events that are not objects are skipped or refused, never thrown', async () => {
    const seen: string[] = [];
    const i = informer('/api/v1/objectless', seen);
    await waitFor(() => i.state === 'failing', 'the watch refused the event');
    assert.deepEqual(seen, ['ok'], 'the one object of the list was taken');
    assert.match(i.lastError ?? '', /an event without an object/);
  });
});
