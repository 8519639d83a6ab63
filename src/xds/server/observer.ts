// Hooks for metrics and logs, so the server knows nothing of prom-client. Every callback is optional and
// is called synchronously; a callback that throws is caught and logged, never disturbing a stream.
import type { Limits } from '../../limits.js';
import type { XdsNode } from '../xds-node.js';

export type StreamKind = 'sotw' | 'delta';

export interface ConnectEvent {
  connectionId: string;
  node: XdsNode;
  peer: string;
  kind: StreamKind;
}

export interface DisconnectEvent {
  connectionId: string;
  /** Undefined when the stream ended before sending a usable first request. */
  node?: XdsNode;
  peer: string;
  kind: StreamKind;
  durationMs: number;
  /** 'client closed', 'cancelled', 'server closed', or the error that ended it. */
  reason: string;
}

export interface PushSentEvent {
  connectionId: string;
  node: XdsNode;
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
  /**
   * For pushes that carried `PushRequest.since`: from the watch event that caused the change to this
   * write (ms, wall clock), i.e. debounce + generation + queueing. Undefined for request-driven sends.
   */
  eventToSendMs?: number;
}

export interface NackEvent {
  connectionId: string;
  node: XdsNode;
  typeUrl: string;
  nonce: string;
  /** The version the client rejected. */
  version: string;
  message: string;
}

export interface AckEvent {
  connectionId: string;
  node: XdsNode;
  typeUrl: string;
  nonce: string;
  version: string;
}

export interface RequestErrorEvent {
  connectionId: string;
  node?: XdsNode;
  peer: string;
  typeUrl?: string;
  /** What was wrong, e.g. "malformed DiscoveryRequest: ..." or "unknown type URL ...". */
  error: string;
  /** Whether the server ended the stream because of it. */
  closedStream: boolean;
}

export interface LimitEvent {
  /** Which limit (limits.ts key; the metric's `limit` label). */
  limit: keyof Limits;
  /** The client's address and port. */
  peer: string;
  /** Undefined when the stream was refused before it existed (streams per connection / address). */
  connectionId?: string;
  node?: XdsNode;
  /** What the client was told. */
  error: string;
}

export interface XdsServerObserver {
  onConnect?(e: ConnectEvent): void;
  onDisconnect?(e: DisconnectEvent): void;
  onPushSent?(e: PushSentEvent): void;
  onAck?(e: AckEvent): void;
  onNack?(e: NackEvent): void;
  onRequestError?(e: RequestErrorEvent): void;
  /** A client hit one of the limits (the stream was refused or ended with RESOURCE_EXHAUSTED). */
  onLimitExceeded?(e: LimitEvent): void;
}

const OBSERVER_METHODS = ['onConnect', 'onDisconnect', 'onPushSent', 'onAck', 'onNack', 'onRequestError', 'onLimitExceeded'] as const;

/**
 * One observer that calls each given one in turn (e.g. metrics and a caller's own). Each is called even
 * if an earlier one throws; the first error is rethrown afterwards, so the server still logs it.
 */
export function combineObservers(...observers: (XdsServerObserver | undefined)[]): XdsServerObserver {
  const present = observers.filter((o): o is XdsServerObserver => o !== undefined);
  if (present.length === 1) return present[0]!;
  const combined: XdsServerObserver = {};
  for (const method of OBSERVER_METHODS) {
    const targets = present.filter((o) => typeof o[method] === 'function');
    if (targets.length === 0) continue;
    combined[method] = (event: never) => {
      let first: unknown;
      for (const o of targets) {
        try {
          (o[method] as (e: never) => void).call(o, event);
        } catch (err) {
          first ??= err;
        }
      }
      if (first !== undefined) throw first;
    };
  }
  return combined;
}
