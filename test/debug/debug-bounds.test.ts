// What a hostile client can make the debug API do, bounded: over real HTTP on a debug server reading a
// fake DebugSource (plain data: a client with a megabyte of metadata needs no xDS stream here).
// Slow header senders are disconnected in time, a connection flood is capped, long targets, many
// parameters and long values are refused with at most a short escaped echo, and a client's metadata,
// IDs, subscriptions and NACK text are shown within DEBUG_BOUNDS with a marker saying what was left out.
import { strict as assert } from 'node:assert';
import { connect, type Socket } from 'node:net';
import { adsz } from '../../src/debug/views/adsz.js';
import { syncz } from '../../src/debug/views/syncz.js';
import { DEBUG_BOUNDS, HorizonMetrics, startDebugServer, type Adsz, type DebugServer, type SynczEntry } from '../../src/debug/index.js';
import { jsonToStruct } from '../../src/xds/codec/struct.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../src/xds/type-urls.js';
import { getJson } from '../support/debug-http.js';
import { waitFor } from '../support/wait.js';
import { connection, fakeSource } from './fake-source.js';

const MB = 1024 * 1024;

/** A node no real client should send: a megabyte of metadata, a long ID, thousands of names, a long NACK. */
function hostileConnection() {
  const metadata: Record<string, unknown> = { NETWORK: 'network1', CLUSTER_ID: 'cluster1', BLOB: 'x'.repeat(MB) };
  for (let i = 0; i < 2000; i++) metadata[`K${i}`] = `v${i}`;
  metadata.LABELS = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`label-${i}`, 'y'.repeat(50)]));
  const names = Array.from({ length: 5000 }, (_, i) => `outbound|5000||svc-${i}.ns.svc.cluster.local`);
  return connection('conn-hostile', { id: `hostile-${'i'.repeat(20_000)}`, metadata: jsonToStruct(metadata) }, {
    types: [
      {
        typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE,
        kind: 'EDS',
        wildcard: false,
        subscribed: names,
        sent: {},
        staleRequests: 0,
        pending: false,
        lastNack: { version: 'v1', nonce: 'n1', message: 'no '.repeat(100_000), at: '2026-01-01T00:00:00.000Z' },
      },
    ],
  });
}

describe('debug API bounds', function () {
  this.timeout(60_000);

  describe('what a client decided is shown within bounds', () => {
    const hostile = hostileConnection();
    const polite = connection('conn-polite', { id: 'sidecar~10.0.0.1~polite.ns~ns.svc.cluster.local', metadata: jsonToStruct({ NETWORK: 'network2', LABELS: { app: 'a' } }) });
    const fake = fakeSource({ connections: [hostile, polite] });
    const xds = fake.xds;

    it('adsz: a megabyte of metadata is shown as the keys that fit, with a marker giving the original size and the keys left out', () => {
      const body = adsz(xds, new URLSearchParams());
      const text = JSON.stringify(body);
      assert.ok(text.length < 200_000, `adsz answer is ${text.length} bytes`);
      const c = body.clients.find((x) => x.connectionId === 'conn-hostile')!;
      const meta = c.metadata as Record<string, unknown>;
      assert.ok(Buffer.byteLength(JSON.stringify(meta)) <= DEBUG_BOUNDS.metadataBytes);
      assert.equal(meta.NETWORK, 'network1', 'small keys before the huge one stay');
      assert.equal(meta.CLUSTER_ID, 'cluster1');
      assert.equal(meta.BLOB, undefined, 'the megabyte is left out');
      assert.ok(c.metadataTruncated);
      assert.ok(c.metadataTruncated.originalBytes > MB);
      assert.ok(c.metadataTruncated.omittedKeys.includes('BLOB'));
      assert.ok(c.metadataTruncated.omittedKeys.length <= DEBUG_BOUNDS.listItems);
      assert.ok(c.metadataTruncated.omittedKeyCount > c.metadataTruncated.omittedKeys.length, 'the count says how many in all');
      assert.ok(c.labelsTruncated && c.labelsTruncated.omittedKeyCount > 0);
      assert.ok(c.proxy.length < DEBUG_BOUNDS.idChars + 40, 'a long node ID is clipped');
      assert.match(c.proxy, /^hostile-i+\.\.\. \(\+\d+ characters\)$/);
      assert.equal(c.watches[CLUSTER_LOAD_ASSIGNMENT_TYPE]!.length, DEBUG_BOUNDS.namesPerType);
      assert.deepEqual(c.watchesTruncated, { [CLUSTER_LOAD_ASSIGNMENT_TYPE]: { shown: DEBUG_BOUNDS.namesPerType, total: 5000 } });
      // A client within the bounds is shown whole, with no marker.
      const p = body.clients.find((x) => x.connectionId === 'conn-polite')!;
      assert.deepEqual(p.metadata, { NETWORK: 'network2', LABELS: { app: 'a' } });
      assert.deepEqual(p.labels, { app: 'a' });
      assert.equal(p.metadataTruncated, undefined);
      assert.equal(p.watchesTruncated, undefined);
    });

    it('syncz: a long node ID and a long NACK message are clipped', () => {
      const entry = syncz(xds, fake.clusters).find((e) => e.connectionId === 'conn-hostile')!;
      assert.ok(entry.proxy.length < DEBUG_BOUNDS.idChars + 40);
      const nack = entry.types.EDS!.lastNack!;
      assert.ok(nack.message.length < DEBUG_BOUNDS.messageChars + 40);
      assert.match(nack.message, /\.\.\. \(\+\d+ characters\)$/);
      assert.ok(JSON.stringify(entry).length < 5_000);
    });
  });

  describe('over HTTP', () => {
    let server: DebugServer;
    before(async () => {
      server = await startDebugServer({ address: '127.0.0.1:0', source: fakeSource({ connections: [hostileConnection()] }), metrics: new HorizonMetrics() });
    });
    after(async () => {
      await server?.close();
    });

    it('a 1 MB-metadata client costs a few kilobytes in /debug/adsz and /debug/syncz', async () => {
      const a = await getJson<Adsz>(server.url, '/debug/adsz');
      assert.equal(a.status, 200);
      assert.ok(a.text.length < 200_000, `adsz: ${a.text.length} bytes`);
      assert.ok(a.body.clients[0]!.metadataTruncated!.originalBytes > MB);
      const s = await getJson<SynczEntry[]>(server.url, '/debug/syncz');
      assert.ok(s.text.length < 5_000, `syncz: ${s.text.length} bytes`);
    });

    it('a long proxyID (or any long value) is refused and echoed as a short escaped prefix only', async () => {
      const proxyID = `<script>${'p'.repeat(3000)}`;
      for (const path of [`/debug/adsz?proxyID=${proxyID}`, `/debug/config_dump?proxyID=${proxyID}`, `/debug/edsz?proxyID=${proxyID}`, `/debug/edsz?network=${proxyID}`]) {
        const r = await getJson<{ error: string }>(server.url, path);
        assert.equal(r.status, 400, path);
        assert.ok(r.text.length < 400, `${path}: ${r.text.length} bytes: ${r.text.slice(0, 200)}`);
        assert.match(r.body.error, /is too long: at most 1024 characters/);
        assert.match(r.body.error, /"<script>p+"\.\.\. \(3008 characters\)/);
      }
      // Short but unknown: a 404 repeating it, escaped.
      const r = await getJson<{ error: string }>(server.url, `/debug/adsz?proxyID=${encodeURIComponent('nope"\n')}`);
      assert.equal(r.status, 404);
      assert.match(r.body.error, /no connected proxy matches proxyID "nope\\"\\n"/);
    });

    it('a long request target is 414 without an echo; an unknown long path is 404 with a short one', async () => {
      const long = await getJson<{ error: string }>(server.url, `/debug/${'x'.repeat(5000)}`);
      assert.equal(long.status, 414);
      assert.ok(long.text.length < 200);
      const path = `/debug/${'y'.repeat(3000)}`;
      const r = await getJson<{ error: string }>(server.url, path);
      assert.equal(r.status, 404);
      assert.ok(r.text.length < 300, `${r.text.length} bytes`);
    });

    it('too many query parameters are refused', async () => {
      const r = await getJson<{ error: string }>(server.url, `/debug/adsz?${Array.from({ length: 100 }, (_, i) => `p${i}=1`).join('&')}`);
      assert.equal(r.status, 400);
      assert.match(r.body.error, /too many query parameters: at most 32/);
    });

    it('a slow header sender is disconnected once the headers timeout passes (not up to 30 s later)', async function () {
      this.timeout(40_000);
      const started = Date.now();
      const socket = connect(server.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d.toString()));
      const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      // One header line every second, never the blank line that ends them.
      const drip = setInterval(() => socket.writable && socket.write(`X-Drip-${Date.now()}: 1\r\n`), 1000);
      try {
        const ms = await Promise.race([closed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 25_000))]);
        assert.ok(ms > 0, 'the socket was still open after 25 s');
        // headersTimeout 10 s, checked every second: well before node:http's default 30 s check.
        assert.ok(ms < 20_000, `closed after ${ms} ms`);
        assert.match(answer, /^HTTP\/1\.1 408/);
      } finally {
        clearInterval(drip);
        socket.destroy();
      }
    });

    it('a flood of connections is capped; once it goes, requests are served again', async () => {
      const sockets: Socket[] = [];
      let refused = 0;
      try {
        for (let i = 0; i < 300; i++) {
          const s = connect(server.port, '127.0.0.1');
          s.on('error', () => {});
          s.on('close', () => refused++);
          sockets.push(s);
        }
        await Promise.all(sockets.map((s) => new Promise<void>((resolve) => (s.readyState === 'open' ? resolve() : s.once('connect', () => resolve())))));
        await waitFor(() => refused >= 300 - 256, `at least ${300 - 256} connections refused (${refused} so far)`, { timeoutMs: 10_000 });
        assert.ok(refused <= 300 - 256 + 5, `${refused} refused: the others are kept`);
      } finally {
        for (const s of sockets) s.destroy();
      }
      await waitFor(async () => (await getJson(server.url, '/healthz').catch(() => ({ status: 0 }))).status === 200, 'served again', { timeoutMs: 10_000 });
    });
  });
});
