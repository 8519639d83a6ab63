// The load generator's xDS client: one raw grpc-js ADS stream that ACKs every response and reports the
// names each response carried. Responses are read with a hand-written wire scan (only the fields it
// needs: version, nonce, type, and each resource's name, field 1 of every xDS resource), and SotW ACKs
// are assembled from bytes prepared once: thousands of these fit in one process next to Horizon.
// Optionally (peer comparisons) it also counts each assignment's endpoints and distinct addresses, and
// reopens a stream the server ended with an error as Envoy does (jittered exponential backoff).
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
  /** With `countAddresses` (SotW): per resource, in the order of `names`, its lbEndpoints and distinct addresses. */
  endpoints?: EndpointCount[];
}

export interface EndpointCount {
  /** LbEndpoint entries over all localities (a gateway listed in several localities counts each time). */
  entries: number;
  /** Distinct endpoint addresses (pods sent directly + gateways). */
  distinct: number;
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

/** Fields 1 of nested messages down a path, e.g. LbEndpoint.endpoint.address.socket_address: calls fn on each innermost. */
function nested(b: Uint8Array, s: number, e: number, path: readonly number[], fn: (s: number, e: number) => void): void {
  if (path.length === 0) return fn(s, e);
  scan(b, s, e, (f, a, z) => {
    if (f === path[0]) nested(b, a, z, path.slice(1), fn);
  });
}

/**
 * A ClusterLoadAssignment's endpoints: endpoints (2) -> lb_endpoints (2) -> endpoint (1) -> address (1)
 * -> socket_address (1) -> address (2).
 */
function countEndpoints(b: Uint8Array, s: number, e: number): EndpointCount {
  const seen = new Set<string>();
  let entries = 0;
  nested(b, s, e, [2, 2], (ls, le) => {
    entries++;
    nested(b, ls, le, [1, 1, 1, 2], (as, ae) => seen.add(text(b, as, ae)));
  });
  return { entries, distinct: seen.size };
}

/** The resource inside a google.protobuf.Any {type_url=1, value=2}: calls fn with its bounds. */
function anyValue(b: Uint8Array, s: number, e: number, fn: (s: number, e: number) => void): void {
  scan(b, s, e, (f, a, z) => {
    if (f === 2) fn(a, z);
  });
}

export function parseSotwResponse(b: Uint8Array, countAddresses = false): ParsedResponse {
  const r: ParsedResponse = { version: '', nonce: '', typeUrl: '', names: [] };
  if (countAddresses) r.endpoints = [];
  scan(b, 0, b.length, (f, s, e) => {
    if (f === 1) r.version = text(b, s, e);
    else if (f === 2) {
      r.names.push(anyName(b, s, e));
      if (r.endpoints) anyValue(b, s, e, (a, z) => r.endpoints!.push(countEndpoints(b, a, z)));
    }
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
  /** Count each assignment's endpoints and distinct addresses (SotW only). */
  countAddresses?: boolean;
  /**
   * Reopen the stream when the server ends it with an error, after a delay drawn uniformly from
   * [0, base * 2^attempt) capped at max, as Envoy's ADS client does (JitteredExponentialBackOffStrategy,
   * 500 ms base and 30 s cap in Envoy). Default: a stream that ends stays ended.
   */
  retry?: { baseMs: number; maxMs: number };
  onResponse: (r: ParsedResponse, bytes: number) => void;
  onEnd?: (status: grpc.StatusObject) => void;
  /** Called when a stream ended by the server is reopened (with the status that ended it). */
  onRetry?: (status: grpc.StatusObject) => void;
}

export class LightAdsStream {
  private readonly channel: grpc.Client;
  private readonly owns: boolean;
  private call!: grpc.ClientDuplexStream<Buffer, Buffer>;
  /** resource_names + type_url of every SotW request of this stream, encoded once. */
  private readonly fixed: Uint8Array;
  private closed = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  ended = false;

  constructor(private readonly o: LightAdsOptions) {
    this.owns = !o.channel;
    this.channel =
      o.channel ??
      new grpc.Client(o.address, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.max_receive_message_length': -1,
      });
    const parts = [...o.names.map(utf8Bytes)];
    const type = utf8Bytes(o.typeUrl);
    const fixed = new Uint8Array(parts.reduce((n, p) => n + fieldSize(p.length), 0) + fieldSize(type.length));
    let pos = 0;
    for (const p of parts) pos = writeBytesField(fixed, pos, 3, p);
    writeBytesField(fixed, pos, 4, type);
    this.fixed = fixed;
    this.open();
  }

  private open(): void {
    const o = this.o;
    const call = this.channel.makeBidiStreamRequest(o.mode === 'sotw' ? ADS_SOTW_PATH : ADS_DELTA_PATH, identity, identity);
    this.call = call;
    call.on('data', (b: Buffer) => {
      this.attempt = 0;
      this.onData(b);
    });
    call.on('error', () => {});
    call.on('status', (s: grpc.StatusObject) => {
      if (!this.closed && o.retry && s.code !== grpc.status.OK) {
        const ceiling = Math.min(o.retry.maxMs, o.retry.baseMs * 2 ** this.attempt++);
        o.onRetry?.(s);
        this.retryTimer = setTimeout(() => this.open(), Math.random() * ceiling);
        return;
      }
      this.ended = true;
      o.onEnd?.(s);
    });
    const first =
      o.mode === 'sotw'
        ? encodeDiscoveryRequest({ typeUrl: o.typeUrl, versionInfo: '', resourceNames: [...o.names], responseNonce: '', node: o.node })
        : encodeDeltaDiscoveryRequest({ typeUrl: o.typeUrl, responseNonce: '', resourceNamesSubscribe: [...o.names], resourceNamesUnsubscribe: [], node: o.node });
    call.write(Buffer.from(first));
  }

  private onData(b: Buffer): void {
    const r = this.o.mode === 'sotw' ? parseSotwResponse(b, this.o.countAddresses) : parseDeltaResponse(b);
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
    this.closed = true;
    clearTimeout(this.retryTimer);
    try {
      this.call.end();
      this.call.cancel();
    } catch {
      // already gone
    }
    if (this.owns) this.channel.close();
  }
}
