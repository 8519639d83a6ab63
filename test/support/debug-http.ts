// Reading Horizon's debug API from tests: real HTTP (fetch), JSON bodies, and the Prometheus text format.
export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export async function getJson<T = unknown>(baseUrl: string, path: string, init: { token?: string; method?: string } = {}): Promise<HttpResult<T>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: init.token ? { authorization: `Bearer ${init.token}` } : {},
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: body as T };
}

/** `name{a="1",b="2"}` -> value, labels sorted; throws on a line that is not the exposition format. */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: string[] = [];
    if (m[3]) {
      for (const l of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.push(`${l[1]}="${l[2]}"`);
    }
    const value = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    if (Number.isNaN(value) && m[4] !== 'NaN') throw new Error(`bad sample value in: ${line}`);
    out.set(`${m[1]}${labels.length > 0 ? `{${labels.sort().join(',')}}` : ''}`, value);
  }
  return out;
}

export function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number | undefined {
  const ls = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return samples.get(`${name}${ls.length > 0 ? `{${ls.join(',')}}` : ''}`);
}
