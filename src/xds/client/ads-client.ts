// A small raw ADS client (state of the world or delta) on grpc-js and Horizon's codec. Used by tests, by
// benchmark checks and by the demo east-west gateway to learn its own network's endpoints (the
// benchmark's load generator uses bench/support/light-ads.ts instead, which reads only names).
// It speaks the protocol by hand, so a test can do what real clients do not (NACK on demand, stale
// nonces, garbage bytes).
import * as grpc from '@grpc/grpc-js';
import { EventEmitter } from 'node:events';
import {
  encodeDeltaDiscoveryRequest,
  encodeDiscoveryRequest,
  type NodeInput,
} from '../codec/requests.js';
import { decodeDeltaDiscoveryResponse, decodeDiscoveryResponse, type AnyMessage } from '../codec/responses.js';
import { decodeResource, type DecodedResource } from '../resources/index.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH, requiresFullState, WILDCARD } from '../type-urls.js';

export type AdsMode = 'sotw' | 'delta';

export interface AdsClientOptions {
  /** 'host:port' of the xDS server. */
  address: string;
  node: NodeInput;
  mode?: AdsMode;
  /** ACK every response automatically (default true). */
  autoAck?: boolean;
  /** Delta only: what the client claims to already have, per type, sent with its first request of that type. */
  initialResourceVersions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Share one HTTP/2 connection between many clients (load generation); otherwise each has its own. */
  channel?: grpc.Client;
  channelOptions?: grpc.ChannelOptions;
  /** How many past responses `responses` keeps (default 1000; oldest dropped first). */
  historyLimit?: number;
}

export interface ReceivedResource {
  name: string;
  typeUrl: string;
  /** Per-resource version (delta), or the response's version_info (SotW). */
  version: string;
  /** The resource's own bytes (inside the Any). */
  bytes: Uint8Array;
  decoded?: DecodedResource;
  error?: string;
}

export interface AdsResponse {
  mode: AdsMode;
  typeUrl: string;
  nonce: string;
  /** version_info (SotW) or system_version_info (delta). */
  version: string;
  resources: ReceivedResource[];
  /** Delta: removed_resources. */
  removed: string[];
  bytes: number;
  receivedAt: number;
}

export interface AdsStreamStatus {
  code: grpc.status;
  details: string;
}

interface TypeClientState {
  names: Set<string>;
  wildcard: boolean;
  started: boolean;
  lastNonce: string;
  lastVersion: string;
  acceptedVersion: string;
  resources: Map<string, ReceivedResource>;
}

const identity = (b: Buffer): Buffer => b;

/**
 * Events: 'response' (AdsResponse), 'status' (AdsStreamStatus, when the stream ends),
 * 'decode-error' (string: a response that could not be decoded).
 */
export class AdsClient extends EventEmitter {
  readonly mode: AdsMode;
  readonly autoAck: boolean;
  private readonly ownsChannel: boolean;
  private readonly channel: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<Buffer, Buffer>;
  private readonly types = new Map<string, TypeClientState>();
  private sentNode = false;
  /** Every response received, oldest first. */
  readonly responses: AdsResponse[] = [];
  /** Set when the stream has ended. */
  status: AdsStreamStatus | undefined;

  constructor(private readonly options: AdsClientOptions) {
    super();
    this.mode = options.mode ?? 'sotw';
    this.autoAck = options.autoAck ?? true;
    this.ownsChannel = !options.channel;
    this.channel =
      options.channel ??
      new grpc.Client(options.address, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': -1,
        ...options.channelOptions,
      });
    this.call = this.channel.makeBidiStreamRequest(this.mode === 'sotw' ? ADS_SOTW_PATH : ADS_DELTA_PATH, identity, identity);
    this.call.on('data', (b: Buffer) => this.onData(b));
    this.call.on('status', (s: grpc.StatusObject) => {
      this.status = { code: s.code, details: s.details };
      this.emit('status', this.status);
    });
    // Errors also arrive as 'status'; without a listener an 'error' would crash the process.
    this.call.on('error', () => {});
  }

  /** Adds names to the subscription of a type ('*' = wildcard; for SotW LDS/CDS, no names at all = wildcard). */
  subscribe(typeUrl: string, names: readonly string[] = []): void {
    const st = this.state(typeUrl);
    const added: string[] = [];
    for (const n of names) {
      if (n === WILDCARD) {
        if (!st.wildcard) added.push(n);
        st.wildcard = true;
      } else if (!st.names.has(n)) {
        st.names.add(n);
        added.push(n);
      }
    }
    if (!st.started || added.length > 0) this.sendSubscription(typeUrl, st, added, []);
    st.started = true;
  }

  unsubscribe(typeUrl: string, names: readonly string[]): void {
    const st = this.state(typeUrl);
    const removed: string[] = [];
    for (const n of names) {
      if (n === WILDCARD ? st.wildcard : st.names.has(n)) removed.push(n);
      if (n === WILDCARD) st.wildcard = false;
      else st.names.delete(n);
      if (!requiresFullState(typeUrl) || this.mode === 'delta') st.resources.delete(n);
    }
    if (removed.length > 0) this.sendSubscription(typeUrl, st, [], removed);
  }

  /** ACKs the last response of a type (for autoAck: false). */
  ack(typeUrl: string): void {
    const st = this.state(typeUrl);
    st.acceptedVersion = st.lastVersion;
    this.send(typeUrl, st, { nonce: st.lastNonce });
  }

  /** Rejects the last response of a type. */
  nack(typeUrl: string, message: string, code: grpc.status = grpc.status.INVALID_ARGUMENT): void {
    const st = this.state(typeUrl);
    this.send(typeUrl, st, { nonce: st.lastNonce, errorDetail: { code, message } });
  }

  /** Sends a request answering an arbitrary nonce (to exercise stale-nonce handling). */
  answer(typeUrl: string, nonce: string): void {
    this.send(typeUrl, this.state(typeUrl), { nonce });
  }

  /** Stops reading responses (simulates a slow client: HTTP/2 flow control then holds the server back). */
  pause(): void {
    this.call.pause();
  }

  resume(): void {
    this.call.resume();
  }

  /** Writes bytes as they are (malformed-request tests). */
  sendRaw(bytes: Uint8Array): void {
    this.call.write(Buffer.from(bytes));
  }

  /** Current resources of a type as this client sees them. */
  resources(typeUrl: string): Map<string, ReceivedResource> {
    return new Map(this.state(typeUrl).resources);
  }

  /** Resolves with the next response (received after this call) that matches. */
  nextResponse(match: (r: AdsResponse) => boolean = () => true, timeoutMs = 10_000): Promise<AdsResponse> {
    return new Promise((resolve, reject) => {
      const onResponse = (r: AdsResponse) => {
        if (!match(r)) return;
        cleanup();
        resolve(r);
      };
      const onStatus = (s: AdsStreamStatus) => {
        cleanup();
        reject(new Error(`ADS stream ended (${grpc.status[s.code]}: ${s.details}) while waiting for a response`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching ADS response within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('response', onResponse);
        this.off('status', onStatus);
      };
      this.on('response', onResponse);
      this.on('status', onStatus);
    });
  }

  /** Resolves once `condition()` holds, re-checking after every response. */
  waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`ADS client: ${what} not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('response', check);
      };
      this.on('response', check);
    });
  }

  /** Resolves when the stream has ended. */
  closed(timeoutMs = 10_000): Promise<AdsStreamStatus> {
    if (this.status) return Promise.resolve(this.status);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`ADS stream still open after ${timeoutMs} ms`)), timeoutMs);
      this.once('status', (s: AdsStreamStatus) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  }

  /** Half-closes the stream and closes the channel (unless shared). */
  close(): void {
    try {
      this.call.end();
      this.call.cancel();
    } catch {
      // already closed
    }
    if (this.ownsChannel) this.channel.close();
  }

  private state(typeUrl: string): TypeClientState {
    let st = this.types.get(typeUrl);
    if (!st) {
      st = { names: new Set(), wildcard: false, started: false, lastNonce: '', lastVersion: '', acceptedVersion: '', resources: new Map() };
      this.types.set(typeUrl, st);
    }
    return st;
  }

  private sendSubscription(typeUrl: string, st: TypeClientState, added: string[], removed: string[]): void {
    if (this.mode === 'sotw') this.send(typeUrl, st, { nonce: st.lastNonce });
    else this.send(typeUrl, st, { nonce: '', subscribe: added, unsubscribe: removed, first: !st.started });
  }

  private send(
    typeUrl: string,
    st: TypeClientState,
    r: { nonce: string; errorDetail?: { code: number; message: string }; subscribe?: string[]; unsubscribe?: string[]; first?: boolean },
  ): void {
    const node = this.sentNode ? undefined : this.options.node;
    this.sentNode = true;
    let bytes: Uint8Array;
    if (this.mode === 'sotw') {
      const names = [...st.names];
      if (st.wildcard && (names.length > 0 || !requiresFullState(typeUrl))) names.push(WILDCARD);
      bytes = encodeDiscoveryRequest({
        typeUrl,
        versionInfo: st.acceptedVersion,
        resourceNames: names,
        responseNonce: r.nonce,
        ...(node ? { node } : {}),
        ...(r.errorDetail ? { errorDetail: r.errorDetail } : {}),
      });
    } else {
      const initial = r.first ? this.options.initialResourceVersions?.[typeUrl] : undefined;
      bytes = encodeDeltaDiscoveryRequest({
        typeUrl,
        responseNonce: r.nonce,
        resourceNamesSubscribe: r.subscribe ?? [],
        resourceNamesUnsubscribe: r.unsubscribe ?? [],
        ...(initial ? { initialResourceVersions: initial } : {}),
        ...(node ? { node } : {}),
        ...(r.errorDetail ? { errorDetail: r.errorDetail } : {}),
      });
    }
    this.call.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  private received(typeUrl: string, name: string, version: string, any: AnyMessage): ReceivedResource {
    const r: ReceivedResource = { name, typeUrl: any.typeUrl, version, bytes: any.value };
    const d = decodeResource(any.typeUrl, any.value);
    if (d.ok) {
      r.decoded = d.value;
      if (!r.name) r.name = d.value.name;
    } else {
      r.error = d.error;
    }
    if (any.typeUrl !== typeUrl) r.error = `resource of type ${any.typeUrl} in a ${typeUrl} response`;
    return r;
  }

  private onData(bytes: Buffer): void {
    const receivedAt = Date.now();
    let response: AdsResponse;
    if (this.mode === 'sotw') {
      const d = decodeDiscoveryResponse(bytes);
      if (!d.ok) {
        this.emit('decode-error', d.error);
        return;
      }
      const m = d.value;
      const resources = m.resources.map((a) => this.received(m.typeUrl, '', m.versionInfo, a));
      response = { mode: 'sotw', typeUrl: m.typeUrl, nonce: m.nonce, version: m.versionInfo, resources, removed: [], bytes: bytes.length, receivedAt };
      const st = this.state(m.typeUrl);
      if (requiresFullState(m.typeUrl)) st.resources.clear();
      for (const r of resources) st.resources.set(r.name, r);
    } else {
      const d = decodeDeltaDiscoveryResponse(bytes);
      if (!d.ok) {
        this.emit('decode-error', d.error);
        return;
      }
      const m = d.value;
      const resources = m.resources.map((r) =>
        this.received(m.typeUrl, r.name, r.version, r.resource ?? { typeUrl: m.typeUrl, value: new Uint8Array(0) }),
      );
      response = {
        mode: 'delta',
        typeUrl: m.typeUrl,
        nonce: m.nonce,
        version: m.systemVersionInfo,
        resources,
        removed: m.removedResources,
        bytes: bytes.length,
        receivedAt,
      };
      const st = this.state(m.typeUrl);
      for (const r of resources) st.resources.set(r.name, r);
      for (const n of m.removedResources) st.resources.delete(n);
    }
    const st = this.state(response.typeUrl);
    st.lastNonce = response.nonce;
    st.lastVersion = response.version;
    this.responses.push(response);
    if (this.responses.length > (this.options.historyLimit ?? 1000)) this.responses.shift();
    if (this.autoAck) this.ack(response.typeUrl);
    this.emit('response', response);
  }
}
