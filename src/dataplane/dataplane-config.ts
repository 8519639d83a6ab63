// The JSON config of a standalone data-plane process, checked field by field so that a mistake is
// reported with its path (`gateways[0].port: ...`) instead of failing later somewhere inside.
import { isIP } from 'node:net';
import type { BackendAddress } from './endpoint-resolver.js';
import type { DesiredPod } from './helloworld-fleet.js';
import { defaultDomain, parseServiceAuthority } from './service-authority.js';
import { parseHostPort } from '../util/host-port.js';

export interface GatewayConfig {
  network: string;
  address: string;
  port: number;
  /** Cluster DNS domain (default cluster.local). */
  domain: string;
  /** Static endpoints per service, keyed by any accepted authority form, e.g. `helloworld.sample:5000`. */
  endpoints: Record<string, BackendAddress[]>;
  /** host:port of Horizon's xDS server: learn the endpoints from it instead (static ones are then ignored). */
  xds?: string;
}

export interface DataplaneConfig {
  backends: DesiredPod[];
  gateways: GatewayConfig[];
  /** Where to serve `GET /stats` (optional). */
  stats?: { address: string; port: number };
}

type Obj = Record<string, unknown>;

class Checker {
  readonly problems: string[] = [];

  problem(path: string, message: string): undefined {
    this.problems.push(`${path}: ${message}`);
    return undefined;
  }

  object(value: unknown, path: string): Obj | undefined {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Obj;
    return this.problem(path, 'must be an object');
  }

  array(value: unknown, path: string): unknown[] | undefined {
    if (value === undefined) return [];
    return Array.isArray(value) ? value : this.problem(path, 'must be an array');
  }

  string(value: unknown, path: string, fallback?: string): string | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    return this.problem(path, 'must be a non-empty string');
  }

  ip(value: unknown, path: string): string | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    return isIP(text) ? text : this.problem(path, `"${text}" is not an IP address`);
  }

  port(value: unknown, path: string, min: number): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 65535) return value;
    return this.problem(path, `must be an integer from ${min} to 65535`);
  }
}

function backendAddresses(c: Checker, value: unknown, path: string): BackendAddress[] {
  const out: BackendAddress[] = [];
  (c.array(value, path) ?? []).forEach((item, i) => {
    const ep = c.object(item, `${path}[${i}]`);
    if (!ep) return;
    const address = c.ip(ep.address, `${path}[${i}].address`);
    const port = c.port(ep.port, `${path}[${i}].port`, 1);
    if (address !== undefined && port !== undefined) out.push({ address, port });
  });
  return out;
}

/** Checks a parsed JSON config; throws one Error listing every problem, prefixed by `source`. */
export function parseDataplaneConfig(value: unknown, source: string): DataplaneConfig {
  const c = new Checker();
  const root = c.object(value, '(top level)') ?? {};
  const config: DataplaneConfig = { backends: [], gateways: [] };
  for (const key of Object.keys(root)) {
    if (!['backends', 'gateways', 'stats'].includes(key)) c.problem(key, 'unknown key (expected backends, gateways, stats)');
  }

  const podNames = new Set<string>();
  (c.array(root.backends, 'backends') ?? []).forEach((item, i) => {
    const path = `backends[${i}]`;
    const b = c.object(item, path);
    if (!b) return;
    const podName = c.string(b.podName, `${path}.podName`);
    const address = c.ip(b.address, `${path}.address`);
    const port = c.port(b.port, `${path}.port`, 0);
    const version = c.string(b.version, `${path}.version`);
    if (podName !== undefined && podNames.has(podName)) c.problem(`${path}.podName`, `"${podName}" is used twice`);
    if (podName === undefined || address === undefined || port === undefined || version === undefined) return;
    podNames.add(podName);
    config.backends.push({ podName, address, port, version });
  });

  (c.array(root.gateways, 'gateways') ?? []).forEach((item, i) => {
    const path = `gateways[${i}]`;
    const g = c.object(item, path);
    if (!g) return;
    const network = c.string(g.network, `${path}.network`);
    const address = c.ip(g.address, `${path}.address`);
    const port = c.port(g.port, `${path}.port`, 0);
    const domain = c.string(g.domain, `${path}.domain`, defaultDomain) ?? defaultDomain;
    const endpoints: Record<string, BackendAddress[]> = {};
    const table = g.endpoints === undefined ? {} : c.object(g.endpoints, `${path}.endpoints`);
    for (const [authority, list] of Object.entries(table ?? {})) {
      const parsed = parseServiceAuthority(authority, domain);
      if (!parsed.ok) {
        c.problem(`${path}.endpoints`, parsed.error);
        continue;
      }
      endpoints[authority] = backendAddresses(c, list, `${path}.endpoints["${authority}"]`);
    }
    let xds: string | undefined;
    if (g.xds !== undefined) {
      xds = c.string(g.xds, `${path}.xds`);
      if (xds !== undefined) {
        try {
          parseHostPort(xds, 'xDS address');
        } catch (err) {
          xds = c.problem(`${path}.xds`, (err as Error).message);
        }
      }
    }
    if (network === undefined || address === undefined || port === undefined) return;
    config.gateways.push({ network, address, port, domain, endpoints, ...(xds ? { xds } : {}) });
  });

  if (root.stats !== undefined) {
    const s = c.object(root.stats, 'stats');
    const address = s && c.ip(s.address, 'stats.address');
    const port = s && c.port(s.port, 'stats.port', 0);
    if (address !== undefined && port !== undefined) config.stats = { address, port };
  }

  if (c.problems.length === 0 && config.backends.length === 0 && config.gateways.length === 0) {
    c.problem('(top level)', 'names no backends and no gateways: nothing to run');
  }
  if (c.problems.length > 0) {
    throw new Error(`config ${source}:\n  ${c.problems.join('\n  ')}`);
  }
  return config;
}
