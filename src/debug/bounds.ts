// How much one debug request may ask of the server, and how much of what a client decided (its node ID,
// metadata, subscriptions, NACK messages) a debug answer repeats. A client may send 64 KB of metadata
// (limits.nodeMetadataBytes) and thousands of names; /debug/adsz over a thousand such clients must still
// be an answer a person can read, not a copy of everything they sent.
import { clipText } from '../util/quote.js';

export const DEBUG_BOUNDS = Object.freeze({
  /** Characters of a request target (path and query): 414 past it. */
  targetChars: 4096,
  /** Query parameters in one request: 400 past it. */
  queryParams: 32,
  /** Characters of one query parameter's value (node IDs are the longest legitimate ones). */
  paramChars: 1024,
  /** Characters of a caller's own text repeated in an error message. */
  echoChars: 64,
  /** Bytes of one node's metadata shown (whole keys: the ones that do not fit are listed by name). */
  metadataBytes: 4096,
  /** Bytes of one node's labels shown. */
  labelsBytes: 2048,
  /** Characters of a client-given identifier shown (node ID, CLUSTER_ID, NETWORK, a subscribed name). */
  idChars: 512,
  /** Characters of a client's NACK message shown. */
  messageChars: 1024,
  /** Subscribed names listed per type and client in /debug/adsz. */
  namesPerType: 1000,
  /** Items of other client-given lists shown (requested networks, unknown types, omitted keys). */
  listItems: 100,
  /** Labels a debug request may give for a hypothetical caller (/debug/edsz?labels=k=v,...). */
  callerLabels: 64,
});

/** An identifier a client chose, as debug output shows it: whole when short, else a marked prefix. */
export const shownId = (text: string): string => clipText(text, DEBUG_BOUNDS.idChars);

export interface Truncation {
  /** Size of the whole value as JSON, in bytes (-1 when it could not even be measured). */
  originalBytes: number;
  shownBytes: number;
  /** Keys left out (at most DEBUG_BOUNDS.listItems of them, each clipped), and how many there were. */
  omittedKeys: string[];
  omittedKeyCount: number;
}

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? 'null');

/**
 * A JSON object shown within `maxBytes`: the keys that fit, in their order (a key too big for what is
 * left is skipped, so one huge value does not hide the small ones after it), and a marker saying what
 * was left out and how big the whole was. Whole values or none: a half value would mislead.
 */
export function boundedObject(value: Readonly<Record<string, unknown>>, maxBytes: number): { shown: Record<string, unknown>; truncated?: Truncation } {
  let originalBytes: number;
  try {
    originalBytes = byteLength(value);
  } catch {
    // Too deep to serialise (a hostile Struct): nothing of it can be shown safely.
    originalBytes = -1;
  }
  if (originalBytes >= 0 && originalBytes <= maxBytes) return { shown: { ...value } };
  const shown: Record<string, unknown> = {};
  let shownBytes = 2;
  const omitted: string[] = [];
  let omittedKeyCount = 0;
  for (const [key, v] of Object.entries(value)) {
    let size: number;
    try {
      size = byteLength(key) + byteLength(v) + 2;
    } catch {
      size = Infinity;
    }
    if (shownBytes + size <= maxBytes) {
      shown[key] = v;
      shownBytes += size;
      continue;
    }
    omittedKeyCount++;
    if (omitted.length < DEBUG_BOUNDS.listItems) omitted.push(clipText(key, DEBUG_BOUNDS.echoChars));
  }
  return { shown, truncated: { originalBytes, shownBytes, omittedKeys: omitted, omittedKeyCount } };
}

/** The first `max` items of a list a client decided, each clipped, and the total when cut. */
export function boundedList(items: readonly string[], max: number = DEBUG_BOUNDS.listItems): { shown: string[]; total?: number } {
  const shown = items.slice(0, max).map(shownId);
  return items.length > max ? { shown, total: items.length } : { shown };
}
