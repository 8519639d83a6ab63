// Hooks for metrics and logs, so the server knows nothing of prom-client. Every callback is optional and
// is called synchronously; a callback that throws is caught and logged, never disturbing a stream.
import type { NodeInfo } from '../node-info.js';

export type StreamKind = 'sotw' | 'delta';

export interface ConnectEvent {
  connectionId: string;
  node: NodeInfo;
  peer: string;
  kind: StreamKind;
}

export interface DisconnectEvent {
  connectionId: string;
  /** Undefined when the stream ended before sending a usable first request. */
  node?: NodeInfo;
  peer: string;
  kind: StreamKind;
  durationMs: number;
  /** 'client closed', 'cancelled', 'server closed', or the error that ended it. */
  reason: string;
}

export interface PushSentEvent {
  connectionId: string;
  node: NodeInfo;
  kind: StreamKind;
  typeUrl: string;
  version: string;
  nonce: string;
  /** Encoded response size. */
  bytes: number;
  resources: number;
  removed: number;
  /** From the push (or request) that caused it to the write. */
  durationMs: number;
  trigger: 'push' | 'request';
}

export interface NackEvent {
  connectionId: string;
  node: NodeInfo;
  typeUrl: string;
  nonce: string;
  /** The version the client rejected. */
  version: string;
  message: string;
}

export interface AckEvent {
  connectionId: string;
  node: NodeInfo;
  typeUrl: string;
  nonce: string;
  version: string;
}

export interface RequestErrorEvent {
  connectionId: string;
  node?: NodeInfo;
  peer: string;
  typeUrl?: string;
  /** What was wrong, e.g. "malformed DiscoveryRequest: ..." or "unknown type URL ...". */
  error: string;
  /** Whether the server ended the stream because of it. */
  closedStream: boolean;
}

export interface XdsServerObserver {
  onConnect?(e: ConnectEvent): void;
  onDisconnect?(e: DisconnectEvent): void;
  onPushSent?(e: PushSentEvent): void;
  onAck?(e: AckEvent): void;
  onNack?(e: NackEvent): void;
  onRequestError?(e: RequestErrorEvent): void;
}
