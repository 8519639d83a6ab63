// Sockets that stop speaking HTTP/2 on the xDS port do not stay open: nothing sent, half a preface, half
// a header block, frames Node's HTTP/2 rejects (it answers GOAWAY and stops reading, but leaves the socket
// open). Keepalive pings go unanswered and the server drops the connection; a connection with no stream
// is closed when idle. Real clients answer pings on their own and keep being served.
import { strict as assert } from 'node:assert';
import { connect } from 'node:net';
import { AdsClient } from '../../src/xds/client/ads-client.js';
import { DEFAULT_SOCKET_BOUNDS, startXdsServer, type XdsServer } from '../../src/xds/server/server.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';
import { claInput, changes } from './ads-support.js';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SETTINGS = frame(4, 0, 0, Buffer.alloc(0));

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
}

/** Opens a raw TCP connection, writes `bytes`, and resolves with how long the server took to close it (or undefined). */
async function closedWithin(port: number, bytes: Buffer[], timeoutMs: number): Promise<number | undefined> {
  const s = connect(port, '127.0.0.1');
  s.on('error', () => {});
  s.on('data', () => {});
  await new Promise((r) => s.once('connect', r));
  const t0 = Date.now();
  for (const b of bytes) s.write(b);
  const closed = await Promise.race([
    new Promise<boolean>((r) => s.once('close', () => r(true))),
    new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs)),
  ]);
  s.destroy();
  return closed ? Date.now() - t0 : undefined;
}

describe('xds server: sockets that stop speaking HTTP/2', function () {
  this.timeout(30_000);
  let server: XdsServer;
  const provider = new StaticProvider();
  before(async () => {
    server = await startXdsServer({ address: '127.0.0.1:0', provider, log: quietLog, socketBounds: { keepaliveMs: 300, keepaliveTimeoutMs: 300, idleMs: 800 } });
  });
  after(async () => server.close());

  it('the defaults bound every socket (pinged every 30 s, dropped 20 s after an unanswered ping, idle ones after 60 s)', () => {
    assert.deepEqual(DEFAULT_SOCKET_BOUNDS, { keepaliveMs: 30_000, keepaliveTimeoutMs: 20_000, idleMs: 60_000 });
  });

  const cases: [string, Buffer[]][] = [
    ['nothing at all', []],
    ['half a preface', [PREFACE.subarray(0, 10)]],
    ['a preface and settings, then nothing', [PREFACE, SETTINGS]],
    ['half a header block (no END_HEADERS, no CONTINUATION)', [PREFACE, SETTINGS, frame(1, 0, 1, Buffer.from([0x83, 0x86]))]],
    ['DATA on stream 0 (a protocol error: GOAWAY, then Node stops reading)', [PREFACE, SETTINGS, frame(0, 0, 0, Buffer.from('xx'))]],
    ['a SETTINGS frame of a bad length', [PREFACE, frame(4, 0, 0, Buffer.alloc(5))]],
    ['a frame bigger than the peer allows', [PREFACE, SETTINGS, frame(0, 0, 1, Buffer.alloc(20_000))]],
  ];
  for (const [what, bytes] of cases) {
    it(`closes a connection that sends ${what}`, async () => {
      const ms = await closedWithin(server.port, bytes, 5000);
      assert.ok(ms !== undefined, 'still open after 5 s');
    });
  }

  it('a real client answers the pings and keeps being served meanwhile', async () => {
    provider.cla(claInput('a', 1));
    const c = new AdsClient({ address: server.address, node: { id: 'good', metadata: { NETWORK: 'network1' } } });
    try {
      c.subscribe(EDS, ['a']);
      await c.waitFor(() => c.resources(EDS).has('a'));
      await new Promise((r) => setTimeout(r, 2500)); // several ping rounds and idle periods
      provider.cla(claInput('a', 2));
      server.push(changes([EDS, ['a']]));
      await c.waitFor(() => JSON.stringify(c.resources(EDS).get('a')?.decoded?.value ?? '').includes('10.2.0.1'), 5000, 'the push');
      assert.equal(c.status, undefined);
    } finally {
      c.close();
    }
  });
});
