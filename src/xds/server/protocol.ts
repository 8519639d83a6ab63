// How requests and responses look on one kind of ADS stream: state of the world or delta. A Connection
// owns the subscriptions and what the client has; its protocol reads requests into them and shapes the
// responses (go-control-plane's split: the stream asks, the protocol says how it is streamed).
import type { EncodedResource } from '../codec/any.js';
import type { Connection, ConnTypeState } from './connection.js';
import type { StreamKind } from './observer.js';

/** The outcome of recomputing one type for one connection. */
export interface TypeDiff {
  st: ConnTypeState;
  /** Everything the query returned. */
  results: EncodedResource[];
  /** Returned resources whose version differs from what the client has. */
  upserts: EncodedResource[];
  /** Names the client has that the query covered and no longer exist. */
  removed: string[];
  respond: boolean;
}

/** A response ready to write. */
export interface OutMessage {
  st: ConnTypeState;
  bytes: Buffer;
  version: string;
  nonce: string;
  resources: number;
  removed: number;
  /** What the client has once it is written: `sent` replaced by these (SotW full state)... */
  replaceSent?: readonly EncodedResource[];
  /** ...or these set and those deleted. */
  setSent?: readonly EncodedResource[];
  deleteSent?: readonly string[];
}

export interface StreamProtocol {
  readonly kind: StreamKind;
  /**
   * Reads one request into the connection: node (first request), ACK/NACK, subscription changes and the
   * work they make, then flushes. A request it cannot use ends the stream (conn.refuse) and nothing else.
   */
  onRequest(conn: Connection, bytes: Buffer): void;
  /** Whether every response of this type carries the whole subscription (SotW LDS/CDS). */
  fullState(typeUrl: string): boolean;
  /** Turns diffs (in PUSH_ORDER) into responses, in the order they must be written. */
  responses(conn: Connection, diffs: TypeDiff[]): OutMessage[];
}
