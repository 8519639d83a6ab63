// Open streams counted per HTTP/2 connection (a grpc-js peer is one TCP connection: address and port)
// and per client address, and subscribed names per client address, so one client cannot hold an
// unbounded number of streams, nor fill many streams to the per-stream name limit. A stream past a
// limit is refused before it costs anything but the count.
import type { Limits } from '../../limits.js';
import { clientAddress } from './client-reports.js';

export interface Refusal {
  limit: 'streamsPerConnection' | 'streamsPerClientAddress';
  max: number;
  /** Streams that would be open with this one. */
  actual: number;
}

export interface NameRefusal {
  limit: 'namesPerClientAddress';
  max: number;
  /** Names the address would hold. */
  actual: number;
}

export class StreamAdmission {
  private readonly byConnection = new Map<string, number>();
  private readonly byAddress = new Map<string, number>();
  private readonly namesByAddress = new Map<string, number>();

  constructor(private readonly limits: Pick<Limits, 'streamsPerConnection' | 'streamsPerClientAddress' | 'namesPerClientAddress'>) {}

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

  /** Whether `peer`'s address may subscribe `more` names beyond what its streams hold now (counts nothing). */
  checkNames(peer: string, more: number): NameRefusal | undefined {
    if (more <= 0) return undefined;
    const total = (this.namesByAddress.get(clientAddress(peer)) ?? 0) + more;
    return total > this.limits.namesPerClientAddress ? { limit: 'namesPerClientAddress', max: this.limits.namesPerClientAddress, actual: total } : undefined;
  }

  /** A stream of `peer` subscribed (positive) or dropped (negative) names. */
  addNames(peer: string, delta: number): void {
    const address = clientAddress(peer);
    const total = (this.namesByAddress.get(address) ?? 0) + delta;
    if (total > 0) this.namesByAddress.set(address, total);
    else this.namesByAddress.delete(address);
  }

  /** Subscribed names of one client address over its streams (tests, debug). */
  namesOf(address: string): number {
    return this.namesByAddress.get(address) ?? 0;
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
