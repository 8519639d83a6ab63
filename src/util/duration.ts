// Go-style durations as Istio and Kubernetes write them: `1h2m3.5s`, `250ms`, `30s`.
const unitNs: Record<string, bigint> = { h: 3_600_000_000_000n, m: 60_000_000_000n, s: 1_000_000_000n, ms: 1_000_000n, us: 1000n, µs: 1000n, ns: 1n };

/** Exact nanoseconds (a fraction of a nanosecond is dropped, as Go does), or undefined when the text is not a duration. */
export function parseDurationNs(text: string): bigint | undefined {
  const re = /(\d+)(?:\.(\d+))?(h|ms|m|s|us|µs|ns)/g;
  let total = 0n;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const unit = unitNs[m[3]!]!;
    const fraction = m[2] ?? '';
    total += BigInt(m[1]!) * unit + (fraction === '' ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? total : undefined;
}

/** Milliseconds (rounded), or undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const ns = parseDurationNs(text);
  return ns === undefined ? undefined : Math.round(Number(ns) / 1e6);
}
