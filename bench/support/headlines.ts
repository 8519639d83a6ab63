// The few figures of each scenario's JSON result that say whether it got faster or slower (every one:
// lower is better), read the same way from any checkout's results, so two checkouts' runs can be set
// side by side (compare.ts). A figure a result does not carry (an older or newer format) is left out.

export interface Headline {
  /** Stable key, e.g. `1/100 loop p50`. */
  key: string;
  value: number;
  unit: 'ms' | 's' | 'B';
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function push(out: Headline[], key: string, value: unknown, unit: Headline['unit']): void {
  if (num(value)) out.push({ key, value, unit });
}

const extractors: Record<string, (r: Json) => Headline[]> = {
  S1(r) {
    const out: Headline[] = [];
    for (const c of r.results ?? []) {
      push(out, `${c.case} loop p50`, c.coldLoopMs?.p50, 'ms');
      push(out, `${c.case} change p50`, c.coldAfterChangeMs?.p50, 'ms');
      push(out, `${c.case} cached p50`, c.cachedMs?.p50, 'ms');
    }
    return out;
  },
  S2(r) {
    const out: Headline[] = [];
    for (const x of r.results ?? []) {
      push(out, `${x.streams} streams: last client p50`, x.horizon?.lastClient?.p50, 'ms');
      push(out, `${x.streams} streams: last client p99`, x.horizon?.lastClient?.p99, 'ms');
      push(out, `${x.streams} streams: last write p50`, x.horizon?.apiServerToLastWrite?.p50, 'ms');
      push(out, `${x.streams} streams: Horizon CPU / round p50`, x.horizon?.cpuMsPerRound?.p50, 'ms');
      push(out, `${x.streams} streams: bare floor p50 (not Horizon)`, x.bare?.lastClient?.p50, 'ms');
    }
    return out;
  },
  S3(r) {
    const out: Headline[] = [];
    push(out, 'change -> client p50', r.latencyMs?.p50, 'ms');
    push(out, 'change -> client p99', r.latencyMs?.p99, 'ms');
    if (num(r.horizonCpuCores?.average)) push(out, 'Horizon CPU (ms per s)', r.horizonCpuCores.average * 1000, 'ms');
    push(out, 'RSS at the end', r.rss?.afterBytes, 'B');
    push(out, 'heap at the end', r.heap?.afterBytes, 'B');
    return out;
  },
  S4(r) {
    const out: Headline[] = [];
    (r.storms ?? []).forEach((s: Json, i: number) => {
      const label = i === 0 ? 'cold' : `warm #${i}`;
      push(out, `${label}: all ACKed (client)`, s.allMs, 'ms');
      push(out, `${label}: all ACKs processed (server)`, s.serverAllAckedMs, 'ms');
    });
    return out;
  },
  S5(r) {
    const out: Headline[] = [];
    push(out, 'start -> ready', r.readyMs, 'ms');
    push(out, 'start -> model complete', r.modelMs, 'ms');
    push(out, 'start -> servable', r.servedMs, 'ms');
    if (num(r.horizonCpuSeconds)) push(out, 'Horizon CPU', r.horizonCpuSeconds, 's');
    push(out, 'heap after sync', r.heapUsedBytes, 'B');
    push(out, 'RSS after sync', r.rssBytes, 'B');
    return out;
  },
  S6(r) {
    const out: Headline[] = [];
    push(out, 'heap per endpoint', r.endpoints?.perEndpointHeapBytes, 'B');
    push(out, 'RSS per endpoint', r.endpoints?.perEndpointRssBytes, 'B');
    const marginal = (r.streams ?? []).find((s: Json) => num(s.marginalRssBytesPerStream));
    push(out, 'heap per stream (marginal)', marginal?.marginalHeapBytesPerStream, 'B');
    push(out, 'RSS per stream (marginal)', marginal?.marginalRssBytesPerStream, 'B');
    push(out, 'one-off shared heap', r.sharedOneOff?.heapBytes, 'B');
    return out;
  },
  S7(r) {
    const out: Headline[] = [];
    const parse = [...(r.parseMs ?? [])].sort((a: number, b: number) => a - b);
    push(out, 'parse 10k networks (median)', parse[Math.floor(parse.length / 2)], 'ms');
    push(out, 'lookup per endpoint', num(r.lookupUs) ? r.lookupUs / 1000 : undefined, 'ms');
    push(out, 'refuse the hostile document', r.refuseMs, 'ms');
    push(out, 'start -> ready with the file', r.horizonUnder?.readyMs, 'ms');
    return out;
  },
};

/** The headline figures of one scenario's JSON result ([] for a scenario it does not know). */
export function headlines(scenario: string, result: Json): Headline[] {
  return extractors[scenario]?.(result) ?? [];
}

export function fmtHeadline(value: number, unit: Headline['unit']): string {
  if (!Number.isFinite(value)) return '-';
  if (unit === 'B') return Math.abs(value) >= 1048576 ? `${(value / 1048576).toFixed(1)} MiB` : Math.abs(value) >= 10240 ? `${(value / 1024).toFixed(1)} KiB` : `${value.toFixed(0)} B`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (value < 1) return `${(value * 1000).toFixed(0)} us`;
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${value.toFixed(1)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}
