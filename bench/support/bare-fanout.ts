// The floor: a bare grpc-js ADS server that does the least any xDS server must do per stream. It answers
// a stream's first request with its names, and on fanOut() frames one response per stream (the nonce
// differs) around bytes it is given and writes it: no subscriptions, no decisions, no cache lookups.
// The first answer carries the bytes `initialAny` gives (the scenario passes Horizon's own, so both
// servers write the same bytes), or an empty assignment per name where it gives none.
import * as grpc from '@grpc/grpc-js';
import { encodeAny } from '../../src/xds/codec/any.js';
import { decodeDeltaDiscoveryRequest, decodeDiscoveryRequest } from '../../src/xds/codec/requests.js';
import { encodeDeltaDiscoveryResponse, encodeDiscoveryResponse } from '../../src/xds/codec/responses.js';
import { encodeClusterLoadAssignment } from '../../src/xds/resources/cluster-load-assignment.js';
import { ADS_DELTA_PATH, ADS_SOTW_PATH, CLUSTER_LOAD_ASSIGNMENT_TYPE as EDS } from '../../src/xds/type-urls.js';

type Call = grpc.ServerDuplexStream<Buffer, Buffer>;

interface BareStream {
  call: Call;
  mode: 'sotw' | 'delta';
  network: string;
}

const identity = (b: Buffer) => b;

export class BareFanout {
  private readonly server = new grpc.Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024 });
  private readonly streams: BareStream[] = [];
  private readonly placeholders = new Map<string, Uint8Array>();
  private nonce = 0;
  address = '';

  constructor(private readonly initialAny: (network: string, name: string) => Uint8Array | undefined = () => undefined) {}

  async start(): Promise<void> {
    const method = (path: string) => ({ path, requestStream: true, responseStream: true, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity });
    const accept = (mode: 'sotw' | 'delta') => (call: Call) => {
      call.on('error', () => {});
      call.once('data', (first: Buffer) => {
        const d = mode === 'sotw' ? decodeDiscoveryRequest(first) : decodeDeltaDiscoveryRequest(first);
        if (!d.ok) return call.end();
        const names = 'resourceNames' in d.value ? d.value.resourceNames : d.value.resourceNamesSubscribe;
        const network = d.value.node?.network ?? '';
        this.streams.push({ call, mode, network });
        const resources = names.map((n) => ({ name: n, version: '0', any: this.initialAny(network, n) ?? this.placeholder(n) }));
        call.write(
          mode === 'sotw'
            ? encodeDiscoveryResponse({ versionInfo: '0', typeUrl: EDS, nonce: String(++this.nonce), resources: resources.map((r) => r.any) })
            : encodeDeltaDiscoveryResponse({ systemVersionInfo: '0', typeUrl: EDS, nonce: String(++this.nonce), resources, removedResources: [] }),
        );
        // ACKs are read and dropped.
        call.on('data', () => {});
      });
    };
    this.server.addService({ StreamAggregatedResources: method(ADS_SOTW_PATH), DeltaAggregatedResources: method(ADS_DELTA_PATH) } as grpc.ServiceDefinition, {
      StreamAggregatedResources: accept('sotw'),
      DeltaAggregatedResources: accept('delta'),
    });
    const port = await new Promise<number>((res, rej) => this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    this.address = `127.0.0.1:${port}`;
  }

  private placeholder(name: string): Uint8Array {
    let b = this.placeholders.get(name);
    if (!b) this.placeholders.set(name, (b = encodeAny(EDS, encodeClusterLoadAssignment({ clusterName: name, endpoints: [] }))));
    return b;
  }

  /** Writes one response carrying `anyOf(network)` (an encoded Any) to every stream. Synchronous. */
  fanOut(version: string, name: string, anyOf: (network: string) => Uint8Array): void {
    for (const s of this.streams) {
      const any = anyOf(s.network);
      const nonce = String(++this.nonce);
      s.call.write(
        s.mode === 'sotw'
          ? encodeDiscoveryResponse({ versionInfo: version, typeUrl: EDS, nonce, resources: [any] })
          : encodeDeltaDiscoveryResponse({ systemVersionInfo: version, typeUrl: EDS, nonce, resources: [{ name, version, any }], removedResources: [] }),
      );
    }
  }

  close(): void {
    for (const s of this.streams) s.call.end();
    this.server.forceShutdown();
  }
}
