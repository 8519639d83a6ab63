// The load generator's xDS client: one raw grpc-js ADS stream that ACKs every response and reports the
// names each response carried. Responses are read with a hand-written wire scan (only the fields it
// needs: version, nonce, type, and each resource's name, field 1 of every xDS resource), and SotW ACKs
// are assembled from bytes prepared once: thousands of these fit in one process next to Horizon.
import * as grpc from '@grpc/grpc-js';
import { encodeDeltaDiscoveryRequest, encodeDiscoveryRequest, type NodeInput } from '../../src/xds/codec/requests.js';
import { fieldSize, utf8Bytes, writeBytesField } from '../../src/xds/codec/wire.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH } from '../../src/xds/type-urls.js';

export type Mode = 'sotw' | 'delta';

export interface ParsedResponse {
  version: string;
  nonce: string;
  typeUrl: string;
  names: string[];
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let n = 0;
  let shift = 0;
  for (;;) {
    const byte = b[pos++]!;
    n += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [n, pos];
    shift += 7;
  }
}

/** Calls fn(field, start, end) for every length-delimited field of b[from, to); skips the rest. */
function scan(b: Uint8Array, from: number, to: number, fn: (field: number, start: number, end: number) => void): void {
  let pos = from;
  while (pos < to) {
    let key: number;
    [key, pos] = readVarint(b, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(b, pos);
      fn(field, pos, pos + len);
      pos += len;
    } else if (wire === 0) {
      [, pos] = readVarint(b, pos);
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const text = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8');

/** Field 1 of a resource (Listener, RouteConfiguration, Cluster and ClusterLoadAssignment all name it there). */
function resourceName(b: Uint8Array, s: number, e: number): string {
  let name = '';
  scan(b, s, e, (f, a, z) => {
    if (f === 1 && name === '') name = text(b, a, z);
  });
  return name;
}

/** The name inside a google.protobuf.Any {type_url=1, value=2}. */
function anyName(b: Uint8Array, s: number, e: number): string {
  let name = '';
  scan(b, s, e, (f, a, z) => {
    if (f === 2) name = resourceName(b, a, z);
  });
  return name;
}

export function parseSotwResponse(b: Uint8Array): ParsedResponse {
  const r: ParsedResponse = { version: '', nonce: '', typeUrl: '', names: [] };
  scan(b, 0, b.length, (f, s, e) => {
    if (f === 1) r.version = text(b, s, e);
    else if (f === 2) r.names.push(anyName(b, s, e));
    else if (f === 4) r.typeUrl = text(b, s, e);
    else if (f === 5) r.nonce = text(b, s, e);
  });
  return r;
}

export function parseDeltaResponse(b: Uint8Array): ParsedResponse {
  const r: ParsedResponse = { version: '', nonce: '', typeUrl: '', names: [] };
  scan(b, 0, b.length, (f, s, e) => {
    if (f === 1) r.version = text(b, s, e);
    else if (f === 2) {
      let name = '';
      scan(b, s, e, (rf, a, z) => {
        if (rf === 3) name = text(b, a, z);
      });
      r.names.push(name);
    } else if (f === 4) r.typeUrl = text(b, s, e);
    else if (f === 5) r.nonce = text(b, s, e);
  });
  return r;
}

const identity = (b: Buffer) => b;

export interface LightAdsOptions {
  address: string;
  node: NodeInput;
  mode: Mode;
  typeUrl: string;
  names: readonly string[];
  /** Share a connection (grpc.Client) between streams; default: one connection per stream, like proxies. */
  channel?: grpc.Client;
  onResponse: (r: ParsedResponse, bytes: number) => void;
  onEnd?: (status: grpc.StatusObject) => void;
}

export class LightAdsStream {
  private readonly channel: grpc.Client;
  private readonly owns: boolean;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  /** resource_names + type_url of every SotW request of this stream, encoded once. */
  private readonly fixed: Uint8Array;
  ended = false;

  constructor(private readonly o: LightAdsOptions) {
    this.owns = !o.channel;
    this.channel =
      o.channel ??
      new grpc.Client(o.address, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': -1,
      });
    this.call = this.channel.makeBidiStreamRequest(o.mode === 'sotw' ? ADS_SOTW_PATH : ADS_DELTA_PATH, identity, identity);
    const parts = [...o.names.map(utf8Bytes)];
    const type = utf8Bytes(o.typeUrl);
    const fixed = new Uint8Array(parts.reduce((n, p) => n + fieldSize(p.length), 0) + fieldSize(type.length));
    let pos = 0;
    for (const p of parts) pos = writeBytesField(fixed, pos, 3, p);
    writeBytesField(fixed, pos, 4, type);
    this.fixed = fixed;
    this.call.on('data', (b: Buffer) => this.onData(b));
    this.call.on('error', () => {});
    this.call.on('status', (s: grpc.StatusObject) => {
      this.ended = true;
      o.onEnd?.(s);
    });
    const first =
      o.mode === 'sotw'
        ? encodeDiscoveryRequest({ typeUrl: o.typeUrl, versionInfo: '', resourceNames: [...o.names], responseNonce: '', node: o.node })
        : encodeDeltaDiscoveryRequest({ typeUrl: o.typeUrl, responseNonce: '', resourceNamesSubscribe: [...o.names], resourceNamesUnsubscribe: [], node: o.node });
    this.call.write(Buffer.from(first));
  }

  private onData(b: Buffer): void {
    const r = this.o.mode === 'sotw' ? parseSotwResponse(b) : parseDeltaResponse(b);
    this.ack(r);
    this.o.onResponse(r, b.length);
  }

  private ack(r: ParsedResponse): void {
    if (this.o.mode === 'delta') {
      this.call.write(Buffer.from(encodeDeltaDiscoveryRequest({ typeUrl: r.typeUrl, responseNonce: r.nonce, resourceNamesSubscribe: [], resourceNamesUnsubscribe: [] })));
      return;
    }
    const v = utf8Bytes(r.version);
    const n = utf8Bytes(r.nonce);
    const out = Buffer.allocUnsafe(fieldSize(v.length) + this.fixed.length + fieldSize(n.length));
    let pos = writeBytesField(out, 0, 1, v);
    out.set(this.fixed, pos);
    pos += this.fixed.length;
    writeBytesField(out, pos, 5, n);
    this.call.write(out);
  }

  /** Stops reading (a slow client: HTTP/2 flow control then holds the server's writes back). */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  close(): void {
    try {
      this.call.end();
      this.call.cancel();
    } catch {
      // already gone
    }
    if (this.owns) this.channel.close();
  }
}
