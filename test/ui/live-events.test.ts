// The event stream's bounds over real HTTP, with changes fed by hand: merging within the window, the
// cap on open streams, keepalives, expired sessions, a reader that stops reading, and nothing left
// listening once every stream is gone; and on the debug server itself, within its HTTP bounds (timeouts
// that close idle sockets leave a stream alone; streams take at most half of the connection cap).
import { strict as assert } from 'node:assert';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { HorizonMetrics, startDebugServer } from '../../src/debug/index.js';
import type { DebugChange } from '../../src/debug/source.js';
import { LiveEvents, type LiveEventsOptions } from '../../src/debug/ui/live-events.js';
import { getJson } from '../support/debug-http.js';
import { waitFor } from '../support/wait.js';
import { fakeSource } from '../debug/fake-source.js';

interface Harness {
  events: LiveEvents;
  emit(change: DebugChange): void;
  listeners(): number;
  url: string;
  close(): Promise<void>;
}

async function harness(options: Partial<LiveEventsOptions>, sessionValid?: (id: string) => boolean): Promise<Harness> {
  const listeners = new Set<(c: DebugChange) => void>();
  const events = new LiveEvents(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    options,
    sessionValid,
  );
  const server: Server = createServer((req, res) => events.open(req, res, req.headers['x-session'] as string | undefined));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    events,
    emit: (c) => [...listeners].forEach((l) => l(c)),
    listeners: () => listeners.size,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: async () => {
      events.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Received {
  res: IncomingMessage;
  /** Parsed events ({event, data}) and comment lines, in order. */
  items: { event?: string; data?: unknown; comment?: string }[];
  /** Everything received, as text. */
  raw: string;
  ended: boolean;
  close(): void;
}

function open(url: string, headers: Record<string, string> = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const got: Received = { res, items: [], raw: '', ended: false, close: () => req.destroy() };
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        got.raw += chunk;
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const item: Received['items'][number] = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) item.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) item.event = line.slice(7);
            else if (line.startsWith('data: ')) item.data = JSON.parse(line.slice(6));
          }
          got.items.push(item);
        }
      });
      res.on('close', () => (got.ended = true));
      resolve(got);
    });
    req.on('error', reject);
    req.end();
  });
}

const changesOf = (r: Received) => r.items.filter((i) => i.event === 'change').map((i) => i.data as Record<string, unknown>);

describe('web view event stream (/debug/events) bounds', function () {
  this.timeout(30_000);
  const open_: Harness[] = [];
  const make = async (o: Partial<LiveEventsOptions>, v?: (id: string) => boolean) => {
    const h = await harness(o, v);
    open_.push(h);
    return h;
  };
  afterEach(async () => {
    for (const h of open_.splice(0)) await h.close();
  });

  it('opens with hello, and merges a burst of changes within the window into one event', async () => {
    const h = await make({ windowMs: 150 });
    const r = await open(h.url);
    assert.equal(r.res.statusCode, 200);
    assert.match(String(r.res.headers['content-type']), /^text\/event-stream/);
    assert.equal(r.res.headers['cache-control'], 'no-store');
    await waitFor(() => r.items.length >= 1, 'hello');
    assert.deepEqual(r.items[0], { event: 'hello', data: { seq: 0, windowMs: 150, keepaliveMs: 15_000 } });
    for (let i = 0; i < 50; i++) h.emit({ services: [`svc${i % 5}.ns.svc.cluster.local`] });
    h.emit({ clusters: true });
    h.emit({ proxies: true });
    await waitFor(() => changesOf(r).length >= 1, 'a change event');
    await new Promise((resolve) => setTimeout(resolve, 400));
    const changes = changesOf(r);
    assert.equal(changes.length, 1, 'one event for the burst');
    const c = changes[0]!;
    assert.deepEqual(
      { clusters: c.clusters, topology: c.topology, mesh: c.mesh, proxies: c.proxies, services: c.services, allServices: c.allServices, seq: c.seq },
      { clusters: true, topology: false, mesh: false, proxies: true, services: [0, 1, 2, 3, 4].map((i) => `svc${i}.ns.svc.cluster.local`), allServices: false, seq: 1 },
    );
    // A later change is a new window.
    h.emit({ topology: true });
    await waitFor(() => changesOf(r).length === 2, 'second event');
    assert.equal(changesOf(r)[1]!.topology, true);
    assert.equal(changesOf(r)[1]!.seq, 2);
    r.close();
  });

  it('names at most 200 hostnames in an event; beyond that it says allServices', async () => {
    const h = await make({ windowMs: 20 });
    const r = await open(h.url);
    await waitFor(() => r.items.length >= 1, 'hello');
    h.emit({ services: Array.from({ length: 250 }, (_, i) => `s${i}.ns.svc.cluster.local`) });
    await waitFor(() => changesOf(r).length === 1, 'change');
    assert.deepEqual([changesOf(r)[0]!.allServices, changesOf(r)[0]!.services], [true, []]);
    r.close();
  });

  it('refuses a stream beyond the cap with 503 JSON, takes one again once a stream closes, and stops listening when none is left', async () => {
    const h = await make({ maxStreams: 2 });
    assert.equal(h.listeners(), 0, 'nobody listens before a stream opens');
    const a = await open(h.url);
    const b = await open(h.url);
    await waitFor(() => h.events.streamCount === 2, 'two streams');
    assert.equal(h.listeners(), 1, 'one subscription for all streams');
    const c = await open(h.url);
    assert.equal(c.res.statusCode, 503);
    assert.equal(c.res.headers['retry-after'], '5');
    await waitFor(() => c.ended, '503 body read');
    assert.match(JSON.parse(c.raw).error, /too many open event streams \(2\)/);
    a.close();
    await waitFor(() => h.events.streamCount === 1, 'a closed');
    const d = await open(h.url);
    assert.equal(d.res.statusCode, 200);
    b.close();
    d.close();
    await waitFor(() => h.events.streamCount === 0 && h.listeners() === 0, 'no stream and no listener left');
  });

  it('sends keepalive comments, and ends the stream of an expired session', async () => {
    let valid = true;
    const h = await make({ keepaliveMs: 100 }, () => valid);
    const r = await open(h.url, { 'x-session': 's1' });
    await waitFor(() => r.items.filter((i) => i.comment === 'keepalive').length >= 2, 'two keepalives');
    valid = false;
    await waitFor(() => r.ended, 'stream ended');
    assert.equal(r.items.at(-1)?.event, 'expired');
    await waitFor(() => h.events.streamCount === 0, 'stream released');
  });

  it('drops a reader that stops reading instead of buffering for it', async () => {
    const h = await make({ windowMs: 1, maxBufferedBytes: 64 * 1024 });
    const r = await open(h.url);
    await waitFor(() => r.items.length >= 1, 'hello');
    r.res.pause(); // stop reading: the kernel buffers fill, then the server's
    const names = Array.from({ length: 200 }, (_, i) => `a-rather-long-service-name-${i}.some-namespace.svc.cluster.local`);
    const deadline = Date.now() + 20_000;
    while (h.events.streamCount > 0 && Date.now() < deadline) {
      h.emit({ services: names });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    assert.equal(h.events.streamCount, 0, 'the stalled stream was closed');
    // Another reader is unaffected.
    const other = await open(h.url);
    assert.equal(other.res.statusCode, 200);
    other.close();
  });

  it('close() ends every stream and refuses new ones', async () => {
    const h = await make({});
    const r = await open(h.url);
    await waitFor(() => h.events.streamCount === 1, 'open');
    h.events.close();
    await waitFor(() => r.ended, 'ended');
    assert.equal(h.listeners(), 0);
    const again = await open(h.url);
    assert.equal(again.res.statusCode, 503);
  });
});

describe('web view event stream on the debug server, within its HTTP bounds', function () {
  this.timeout(30_000);

  /** A debug server on a fake source whose changes the test emits. */
  async function debugServer(httpLimits: Parameters<typeof startDebugServer>[0]['httpLimits'], events: Partial<LiveEventsOptions>) {
    const listeners = new Set<(c: DebugChange) => void>();
    const source = fakeSource(
      {},
      {
        onChange: (l: (c: DebugChange) => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      },
    );
    const server = await startDebugServer({ address: '127.0.0.1:0', source, metrics: new HorizonMetrics(), ...(httpLimits ? { httpLimits } : {}), ui: { events } });
    return { server, emit: (c: DebugChange) => [...listeners].forEach((l) => l(c)), listeners: () => listeners.size };
  }

  it('the idle, headers and request timeouts close a silent socket but not a stream with nothing to say', async () => {
    // Timeouts of a few hundred ms, and no keepalive within the test: the stream is silent on the wire.
    const { server, emit } = await debugServer({ headersTimeoutMs: 300, requestTimeoutMs: 400, idleTimeoutMs: 300, checkIntervalMs: 50 }, { keepaliveMs: 60_000, windowMs: 20 });
    try {
      const silent = connect(server.port, '127.0.0.1');
      silent.on('error', () => {});
      const silentClosed = new Promise<void>((resolve) => silent.on('close', () => resolve()));
      const r = await open(`${server.url}/debug/events`);
      assert.equal(r.res.statusCode, 200);
      await waitFor(() => r.items.length >= 1, 'hello');
      await silentClosed; // the bounds are in force...
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // ...for several of their lengths
      assert.equal(r.ended, false, 'the stream is still open');
      emit({ topology: true });
      await waitFor(() => changesOf(r).length === 1, 'a change after 2 s of silence');
      assert.equal(changesOf(r)[0]!.topology, true);
      r.close();
    } finally {
      await server.close();
    }
  });

  it('streams take at most half of the connection cap, so the JSON a change makes the page read is still served', async () => {
    const { server, listeners } = await debugServer({ maxConnections: 8 }, {});
    const streams: Received[] = [];
    try {
      for (let i = 0; i < 4; i++) streams.push(await open(`${server.url}/debug/events`));
      assert.deepEqual(
        streams.map((s) => s.res.statusCode),
        [200, 200, 200, 200],
      );
      const fifth = await open(`${server.url}/debug/events`);
      assert.equal(fifth.res.statusCode, 503);
      await waitFor(() => fifth.ended, '503 body read');
      assert.match(JSON.parse(fifth.raw).error, /too many open event streams \(4\)/);
      assert.equal(listeners(), 1);
      for (const path of ['/debug/clusterz', '/debug/networkz', '/debug/syncz']) assert.equal((await getJson(server.url, path)).status, 200, path);
    } finally {
      for (const s of streams) s.close();
      await server.close();
    }
    assert.equal(listeners(), 0, 'closing the server lets go of the source');
  });
});
