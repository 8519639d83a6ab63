// Load generator process for the xDS benchmarks: opens many ADS streams with Horizon's raw client and
// reports when each stream received a given response version. Runs in its own process so the clients'
// CPU does not compete with the server's event loop. Driven over IPC (see xds-fanout.ts).
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import { AdsClient, type AdsMode } from '../../src/xds/client/ads-client.js';

interface ConnectCmd {
  cmd: 'connect';
  address: string;
  streams: number;
  typeUrl: string;
  names: string[];
  mode: AdsMode;
  /** Streams per TCP connection (1 = one connection per stream, like real proxies). */
  streamsPerConnection: number;
  network: (i: number) => string;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

const clients: AdsClient[] = [];
const channels: grpc.Client[] = [];
/** per client: version -> arrival time */
const arrivals: Map<string, number>[] = [];
let waiters: (() => void)[] = [];

function send(msg: unknown): void {
  process.send!(msg);
}

process.on('message', (raw: { cmd: string } & Record<string, unknown>) => {
  if (raw.cmd === 'connect') {
    const c = raw as unknown as Omit<ConnectCmd, 'network'> & { networks: string[] };
    const started = now();
    for (let i = 0; i < c.streams; i++) {
      let channel: grpc.Client | undefined;
      if (c.streamsPerConnection > 1) {
        const idx = Math.floor(i / c.streamsPerConnection);
        channel = channels[idx] ??= new grpc.Client(c.address, grpc.credentials.createInsecure(), {
          'grpc.use_local_subchannel_pool': 1,
          'grpc.max_receive_message_length': -1,
        });
      }
      const client = new AdsClient({
        address: c.address,
        node: { id: `load-${i}`, metadata: { NETWORK: c.networks[i % c.networks.length]! } },
        mode: c.mode,
        decode: false,
        historyLimit: 1,
        ...(channel ? { channel } : { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
      });
      const map = new Map<string, number>();
      arrivals.push(map);
      client.on('response', (r: { version: string }) => {
        map.set(r.version, now());
        if (waiters.length) for (const w of waiters) w();
      });
      client.subscribe(c.typeUrl, c.names);
      clients.push(client);
    }
    const check = () => arrivals.every((m) => m.size > 0);
    const done = () => send({ evt: 'connected', ms: now() - started, firstAt: arrivals.map((m) => Math.min(...m.values())) });
    if (check()) done();
    else {
      const w = () => {
        if (!check()) return;
        waiters = waiters.filter((x) => x !== w);
        done();
      };
      waiters.push(w);
    }
  } else if (raw.cmd === 'await') {
    const version = raw.version as string;
    const timeoutMs = raw.timeoutMs as number;
    const check = () => arrivals.every((m) => m.has(version));
    const reply = (timedOut: boolean) =>
      send({ evt: 'arrivals', version, timedOut, times: arrivals.map((m) => m.get(version) ?? Number.NaN) });
    if (check()) return reply(false);
    const timer = setTimeout(() => {
      waiters = waiters.filter((x) => x !== w);
      reply(true);
    }, timeoutMs);
    const w = () => {
      if (!check()) return;
      clearTimeout(timer);
      waiters = waiters.filter((x) => x !== w);
      reply(false);
    };
    waiters.push(w);
  } else if (raw.cmd === 'close') {
    for (const c of clients) c.close();
    for (const ch of channels) ch.close();
    send({ evt: 'closed' });
    setTimeout(() => process.exit(0), 50);
  }
});
process.on('disconnect', () => process.exit(0));
send({ evt: 'ready' });
