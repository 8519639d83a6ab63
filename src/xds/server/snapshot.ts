// Read-only views of connections, for the debug API (syncz, connections) and the CLI.
import type { XdsNode } from '../xds-node.js';
import type { StreamKind } from './observer.js';

export interface SentInfo {
  version: string;
  nonce: string;
  at: string;
  /** Resources in that response (and removals, for delta). */
  resources: number;
  removed: number;
}

export interface AckInfo {
  version: string;
  nonce: string;
  at: string;
}

export interface NackInfo {
  version: string;
  nonce: string;
  message: string;
  at: string;
}

export interface TypeSnapshot {
  typeUrl: string;
  /** LDS / RDS / CDS / EDS. */
  kind: string;
  wildcard: boolean;
  /** Explicitly subscribed names (sorted). */
  subscribed: string[];
  lastSent?: SentInfo;
  lastAcked?: AckInfo;
  lastNack?: NackInfo;
  /** What the client has, as far as the server knows: name -> version last sent (or declared on reconnect). */
  sent: Record<string, string>;
  /** Requests ignored because they answered a response that was no longer the latest. */
  staleRequests: number;
  /** A response is waiting for an earlier one to leave the buffer (slow client). */
  pending: boolean;
}

export interface UnknownTypeInfo {
  typeUrl: string;
  requests: number;
  lastAt: string;
}

export interface ConnectionSnapshot {
  id: string;
  kind: StreamKind;
  node?: XdsNode;
  peer: string;
  connectedAt: string;
  types: TypeSnapshot[];
  unknownTypes: UnknownTypeInfo[];
  /** grpc-js's buffer was full at the last write and the stream waits for 'drain'. */
  blocked: boolean;
}
