// Open streams counted per HTTP/2 connection (a grpc-js peer is one TCP connection: address and port)
// and per client address, so one client cannot hold an unbounded number of streams. A stream past a
// limit is refused before it costs anything but the count.
import type { Limits } from '../../limits.js';
import { clientAddress } from './client-reports.js';

export interface Refusal {
  limit: 'streamsPerConnection' | 'streamsPerClientAddress';
  max: number;
  /** Streams that would be open with this one. */
  actual: number;
}

export class StreamAdmission {
  private readonly byConnection = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: Pick<Limits, 'streamsPerConnection' | 'streamsPerClientAddress'>) {}

  /** Counts a new stream from `peer`, or says which limit it would pass (and counts nothing). */
  admit(peer: string): Refusal | undefined {
    const address = clientAddress(peer);
    const onConnection = (this.byConnection.get(peer) ?? 0) + 1;
    const onAddress = (this.byAddress.get(address) ?? 0) + 1;
    if (onConnection > this.limits.streamsPerConnection) return { limit: 'streamsPerConnection', max: this.limits.streamsPerConnection, actual: onConnection };
    if (onAddress > this.limits.streamsPerClientAddress) return { limit: 'streamsPerClientAddress', max: this.limits.streamsPerClientAddress, actual: onAddress };
    this.byConnection.set(peer, onConnection);
    this.byAddress.set(address, onAddress);
    return undefined;
  }

  /** A stream admitted for `peer` ended. */
  release(peer: string): void {
    decrement(this.byConnection, peer);
    decrement(this.byAddress, clientAddress(peer));
  }

  /** Open streams of one client address (tests, debug). */
  streamsOf(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}
