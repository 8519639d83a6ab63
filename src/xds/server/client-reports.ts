// What a misbehaving client costs the logs: one line for the first NACK, limit hit or broken request
// from a client address, then a count per window (LogSummary), however many streams it opens. The
// details go to the observer (metrics) and stay on the connection for /debug/syncz.
import type { Logger } from '../../log.js';
import { LogSummary } from '../../util/log-summary.js';
import { kindOf } from '../type-urls.js';
import type { LimitEvent, NackEvent, RequestErrorEvent, XdsServerObserver } from './observer.js';

/** The address part of a grpc-js peer ("10.0.0.1:5000", "::1:5000"): one client, whatever its ports. */
export function clientAddress(peer: string): string {
  const at = peer.lastIndexOf(':');
  return at > 0 ? peer.slice(0, at) : peer;
}

/** Longest client-chosen text (node ids, type URLs) put in a log line. */
const MAX_LOGGED_CHARS = 256;

function short(text: string | undefined): string | undefined {
  return text === undefined || text.length <= MAX_LOGGED_CHARS ? text : `${text.slice(0, MAX_LOGGED_CHARS)}...`;
}

export class ClientReports {
  private readonly summary: LogSummary;

  constructor(
    private readonly log: Logger,
    private readonly observer: XdsServerObserver | undefined,
    windowMs?: number,
  ) {
    this.summary = new LogSummary(windowMs !== undefined ? { windowMs } : {});
  }

  limit(e: LimitEvent): void {
    this.call('onLimitExceeded', () => this.observer?.onLimitExceeded?.(e));
    const client = clientAddress(e.peer);
    this.summary.report(`limit\u0000${e.limit}\u0000${client}`, {
      first: () => this.log.warn({ client, peer: e.peer, limit: e.limit, node: short(e.node?.id), error: e.error }, 'xDS client hit a limit'),
      summary: (more, windowMs) => this.log.warn({ client, limit: e.limit, more, windowMs }, `xDS client hit the same limit ${more} more times`),
    });
  }

  nack(e: NackEvent, peer: string): void {
    this.call('onNack', () => this.observer?.onNack?.(e));
    const client = clientAddress(peer);
    const type = kindOf(e.typeUrl);
    this.summary.report(`nack\u0000${type}\u0000${client}`, {
      first: () =>
        this.log.warn({ client, connection: e.connectionId, node: short(e.node.id), type, nonce: e.nonce, version: e.version, message: e.message }, 'xDS client rejected a response (NACK)'),
      summary: (more, windowMs) => this.log.warn({ client, type, more, windowMs }, `xDS client rejected ${more} more responses (NACK; the last of each stream is in /debug/syncz)`),
    });
  }

  requestError(e: RequestErrorEvent): void {
    this.call('onRequestError', () => this.observer?.onRequestError?.(e));
    const client = clientAddress(e.peer);
    const what = e.closedStream ? 'xDS stream ended with an error' : 'request for an unknown xDS type ignored';
    this.summary.report(`${e.closedStream ? 'error' : 'type'}\u0000${client}`, {
      first: () => this.log.warn({ client, connection: e.connectionId, node: short(e.node?.id), typeUrl: short(e.typeUrl), error: e.error }, what),
      summary: (more, windowMs) => this.log.warn({ client, more, windowMs }, `${what}: ${more} more times`),
    });
  }

  /** Says what is pending and stops the window timer. */
  close(): void {
    this.summary.close();
  }

  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, callback: what }, 'xDS server observer threw; ignored');
    }
  }
}
