// Random and hostile queries against every debug endpoint (over real HTTP, on a fake DebugSource with
// connected proxies, services and clusters): never a 500, never a crash, every answer bounded in size
// and time, what the caller sent echoed only as a short prefix; the server keeps serving.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { HorizonMetrics, ROUTES, startDebugServer, type DebugServer } from '../../src/debug/index.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { getJson } from '../support/debug-http.js';
import { connection, fakeSource } from './fake-source.js';

const HOST = 'helloworld.sample.svc.cluster.local';
const CLUSTER = `outbound|5000||${HOST}`;

const PARAMS = ['proxyID', 'network', 'host', 'port', 'subset', 'cluster', 'requestedNetworks', 'pretty'];
const text = fc.oneof(
  fc.constantFrom('', 'proxy', 'proxy-a', 'network1', 'helloworld.sample', 'helloworld.sample:5000', 'helloworld', CLUSTER, '5000', '0', '99999', 'v1', ',,,', '%', '%zz', '../', '"', '<x>'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  // Long values: a random pattern at a random length (fast-check's own strings stay near their minimum).
  fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.integer({ min: 400, max: 3_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)),
);
// Mostly the parameters the endpoints read (the first of each name counts), sometimes any name.
const query = fc.array(fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...PARAMS), weight: 4 }, { arbitrary: fc.string({ maxLength: 80 }), weight: 1 }), text), { maxLength: 40 });
/**
 * GET, the whole body read; an event stream (/debug/events, which never ends by itself) only as far as
 * its status and headers, then closed.
 */
async function get(baseUrl: string, path: string): Promise<{ status: number; text: string; body: { error?: string } }> {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}${path}`, { signal: abort.signal });
  if (res.status === 200 && (res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    abort.abort();
    return { status: res.status, text: '', body: {} };
  }
  const text = await res.text();
  let body: { error?: string } = {};
  try {
    body = JSON.parse(text) as { error?: string };
  } catch {
    // not JSON (/metrics, the web view's page and scripts)
  }
  return { status: res.status, text, body };
}

const target = fc.tuple(fc.constantFrom(...ROUTES.map((r) => r.path)), query).map(([path, q]) => `${path}?${new URLSearchParams(q).toString()}`);

describe('debug queries, properties', function () {
  this.timeout(300_000);
  let server: DebugServer;
  before(async () => {
    const names = [CLUSTER];
    const conns = ['proxy-a', 'proxy-b'].map((id, i) =>
      connection(`c${i}`, { id: `sidecar~10.0.0.${i}~${id}.sample~sample.svc.cluster.local`, metadata: jsonToStruct({ NETWORK: `network${i + 1}` }) }, {
        types: [{ typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE, kind: 'EDS', wildcard: false, subscribed: names, sent: { [CLUSTER]: 'v1' }, staleRequests: 0, pending: false }],
      }),
    );
    const source = fakeSource({ connections: conns, hostnames: [HOST] }, { resources: { clusterNames: () => [CLUSTER] } });
    server = await startDebugServer({ address: '127.0.0.1:0', source, metrics: new HorizonMetrics() });
    // The web view's files are built on their first request (esbuild, a few seconds on a busy machine):
    // built here, so the time bound below is about answering, not building.
    assert.equal((await get(server.url, '/ui')).status, 200);
  });
  after(async () => {
    await server?.close();
  });

  it('every endpoint, random parameters: 2xx, 400, 404, 414 or 431, bounded, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(target, async (path) => {
        const t = performance.now();
        const r = await get(server.url, path);
        const ms = performance.now() - t;
        // 431: the request line and headers over maxHeaderBytes, refused by node:http before any handler.
        assert.ok([200, 400, 404, 414, 431].includes(r.status) || (path.startsWith('/ready') && r.status === 503), `${path.slice(0, 200)} -> ${r.status}: ${r.text.slice(0, 300)}`);
        // The web view's script (/ui/app.js, the layout engine's worker) is code, not an answer to the query.
        if (!path.startsWith('/ui/')) assert.ok(r.text.length < 64 * 1024, `${r.text.length} bytes`);
        if (r.status >= 400 && r.status !== 431) assert.ok(r.body.error && r.body.error.length < 1_000, `an error of ${r.body.error?.length} characters: ${r.body.error?.slice(0, 200)}`);
        assert.ok(ms < 5_000, `${ms} ms`);
      }),
      { numRuns: 300 },
    );
    assert.equal((await getJson(server.url, '/healthz')).status, 200);
  });
});
