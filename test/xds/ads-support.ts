// Shared setup for the ADS server tests: a server on an ephemeral port with a static provider, and raw clients.
import { AdsClient, type AdsClientOptions, type AdsResponse } from '../../src/xds/client/ads-client.js';
import type { XdsServerObserver } from '../../src/xds/server/observer.js';
import { startXdsServer, type XdsServer, type XdsServerOptions } from '../../src/xds/server/server.js';
import { quietLog } from '../support/quiet-log.js';
import { StaticProvider } from '../support/static-provider.js';

export const LOCALITY = { region: 'r1', zone: 'z1', subzone: '' };

/** A push request for server.push(): the changed names per type URL. */
export const changes = (...pairs: [string, string[]][]) => ({ changes: new Map(pairs.map(([t, n]) => [t, new Set(n)])) });

/** The resource names of a response, sorted. */
export const names = (r: AdsResponse) => r.resources.map((x) => x.name).sort();

export interface Harness {
  server: XdsServer;
  provider: StaticProvider;
  clients: AdsClient[];
  client(opts?: Partial<AdsClientOptions>): AdsClient;
  close(): Promise<void>;
}

/** A server on an ephemeral port with a StaticProvider; `options` override the server's (limits, log). */
export async function harness(observer?: XdsServerObserver, options: Partial<XdsServerOptions> = {}): Promise<Harness> {
  const provider = new StaticProvider();
  const server = await startXdsServer({ address: '127.0.0.1:0', provider, log: quietLog, ...(observer ? { observer } : {}), ...options });
  const clients: AdsClient[] = [];
  let n = 0;
  return {
    server,
    provider,
    clients,
    client(opts = {}) {
      const c = new AdsClient({ address: server.address, node: { id: `node-${++n}`, metadata: { NETWORK: 'network1' } }, ...opts });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.close();
    },
  };
}

/** A CLA with `count` endpoints 10.<base>.x.y; `pad` adds metadata to make it large. */
export function claInput(clusterName: string, base: number, count = 1, pad = 0) {
  return {
    clusterName,
    endpoints: [
      {
        locality: LOCALITY,
        lbEndpoints: Array.from({ length: count }, (_, i) => ({
          address: `10.${base}.${Math.floor(i / 250)}.${(i % 250) + 1}`,
          port: 5000,
          ...(pad ? { metadata: { istio: { pad: 'x'.repeat(pad) } } } : {}),
        })),
      },
    ],
  };
}

export function edsCluster(name: string) {
  return { name, lbPolicy: 'ROUND_ROBIN' as const, connectTimeoutMs: 1000 };
}
