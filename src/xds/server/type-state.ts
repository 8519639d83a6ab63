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

/**
 * The last MAX_UNACKED nonces sent and their versions, oldest first, in two fixed arrays: written on
 * every response and trimmed on every ACK, so it allocates nothing once it exists (a Map's backing
 * store would be reallocated as it grows and shrinks, and promoted to the old generation with it).
 */
export class UnackedNonces {
  private readonly nonces: string[] = new Array(MAX_UNACKED).fill('');
  private readonly versions: string[] = new Array(MAX_UNACKED).fill('');
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  set(nonce: string, version: string): void {
    if (this.count === MAX_UNACKED) {
      this.head = (this.head + 1) % MAX_UNACKED;
      this.count--;
    }
    const i = (this.head + this.count) % MAX_UNACKED;
    this.nonces[i] = nonce;
    this.versions[i] = version;
    this.count++;
  }

  get(nonce: string): string | undefined {
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) % MAX_UNACKED;
      if (this.nonces[i] === nonce) return this.versions[i];
    }
    return undefined;
  }

  /** Forgets nonces up to and including `nonce` when it is known; an unknown nonce forgets everything. */
  settle(nonce: string): void {
    let k = 0;
    while (k < this.count && this.nonces[(this.head + k) % MAX_UNACKED] !== nonce) k++;
    const drop = k < this.count ? k + 1 : this.count;
    this.head = (this.head + drop) % MAX_UNACKED;
    this.count -= drop;
  }
}

export class TypeState<C = unknown> {
  wildcard = false;
  readonly names = new Set<string>();
  /** name -> version the client has, as far as the server knows. */
  sent = new Map<string, string>();
  lastSent: SentRecord | undefined;
  lastAcked: AckRecord | undefined;
  lastNack: NackRecord | undefined;
  /** Recently sent nonces and their versions, so an ACK/NACK of an older nonce (delta) maps to a version. */
  readonly unacked = new UnackedNonces();
  /** Responses of this type written but not yet out of grpc-js's buffer. */
  inFlight = 0;
  dirty: Dirty | undefined;
  staleRequests = 0;
  /** SotW: the resource_names bytes of the last request processed, to skip an unchanged subscription. */
  lastNamesBytes: Uint8Array | undefined;

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

  /**
   * Records a response written. The record is updated in place (one object per type state, not one per
   * response): readers copy what they need.
   */
  recordSent(version: string, nonce: string, atMs: number, resources: number, removed: number): void {
    const r = this.lastSent;
    if (r) {
      r.version = version;
      r.nonce = nonce;
      r.atMs = atMs;
      r.resources = resources;
      r.removed = removed;
    } else {
      this.lastSent = { version, nonce, atMs, resources, removed };
    }
    this.unacked.set(nonce, version);
  }

  /** Records an ACK, in place like recordSent. */
  recordAcked(version: string, nonce: string, atMs: number): void {
    const r = this.lastAcked;
    if (r) {
      r.version = version;
      r.nonce = nonce;
      r.atMs = atMs;
    } else {
      this.lastAcked = { version, nonce, atMs };
    }
  }

  /** Forgets nonces up to and including `nonce` (they can no longer be answered meaningfully). */
  settle(nonce: string): void {
    this.unacked.settle(nonce);
  }

  hasSubscription(): boolean {
    return this.wildcard || this.names.size > 0;
  }
}
