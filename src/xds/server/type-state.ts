// Per (connection, type) state: subscription, what the client has, acks/nacks, and pending work.
/** Kept as numbers on the hot path; snapshots turn times into ISO strings. */
export interface SentRecord {
  version: string;
  nonce: string;
  atMs: number;
  resources: number;
  removed: number;
}
export interface AckRecord {
  version: string;
  nonce: string;
  atMs: number;
}
export interface NackRecord extends AckRecord {
  message: string;
}

/** Work waiting to be sent for one type of one connection. Bounded by the subscription, however many pushes merge into it. */
export interface Dirty {
  /** Recompute the whole subscription. */
  all: boolean;
  /** Names to recompute (ignored when `all`). */
  names: Set<string>;
  /** Respond even if nothing changed (first request of a type, subscription change on LDS/CDS). */
  respond: boolean;
}

const MAX_UNACKED = 16;

export class TypeState<C = unknown> {
  wildcard = false;
  readonly names = new Set<string>();
  /** name -> version the client has, as far as the server knows. */
  sent = new Map<string, string>();
  lastSent: SentRecord | undefined;
  lastAcked: AckRecord | undefined;
  lastNack: NackRecord | undefined;
  /** Recently sent nonces and their versions, so an ACK/NACK of an older nonce (delta) maps to a version. */
  readonly unacked = new Map<string, string>();
  /** Responses of this type written but not yet out of grpc-js's buffer. */
  inFlight = 0;
  dirty: Dirty | undefined;
  staleRequests = 0;
  /** SotW: resource_names of the last request processed, to skip diffing an unchanged subscription. */
  lastRequestNames: readonly string[] | undefined;

  /** The write callback of this type's responses (one function per type state, not one per write). */
  readonly onWritten: () => void;

  constructor(
    readonly typeUrl: string,
    readonly conn: C,
    /** Called after a response of this type left grpc-js's buffer (inFlight already decremented). */
    afterWrite: () => void = () => undefined,
  ) {
    this.onWritten = () => {
      this.inFlight--;
      afterWrite();
    };
  }

  markAll(respond = false): void {
    if (this.dirty) {
      this.dirty.all = true;
      this.dirty.names.clear();
      this.dirty.respond ||= respond;
    } else {
      this.dirty = { all: true, names: new Set(), respond };
    }
  }

  markName(name: string): void {
    if (!this.dirty) this.dirty = { all: false, names: new Set([name]), respond: false };
    else if (!this.dirty.all) this.dirty.names.add(name);
  }

  recordSent(info: SentRecord): void {
    this.lastSent = info;
    this.unacked.set(info.nonce, info.version);
    if (this.unacked.size > MAX_UNACKED) this.unacked.delete(this.unacked.keys().next().value!);
  }

  /** Forgets nonces up to and including `nonce` (they can no longer be answered meaningfully). */
  settle(nonce: string): void {
    for (const n of this.unacked.keys()) {
      this.unacked.delete(n);
      if (n === nonce) break;
    }
  }

  hasSubscription(): boolean {
    return this.wildcard || this.names.size > 0;
  }
}
