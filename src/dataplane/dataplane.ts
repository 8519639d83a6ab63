// A data plane built from a config: helloworld backends, east-west gateways and an optional
// `GET /stats` endpoint. The standalone process (main.ts) is a thin shell around this, and tests or
// the demo can build as many independent ones in one process as they like.
import http from 'node:http';
import { logger } from '../log.js';
import type { DataplaneConfig, GatewayConfig } from './dataplane-config.js';
import { startEastWestGateway, type EastWestGateway } from './eastwest-gateway.js';
import { createStaticResolver, type EndpointResolver } from './endpoint-resolver.js';
import { createXdsEndpointResolver } from './xds-endpoint-resolver.js';
import type { GatewayStats } from './gateway-stats.js';
import { HelloworldFleet } from './helloworld-fleet.js';
import { hostPort } from '../util/host-port.js';

export interface DataplaneStats {
  backends: { podName: string; version: string; address: string; port: number; calls: number }[];
  gateways: GatewayStats[];
}

export interface DataplaneReady {
  ready: true;
  pid: number;
  backends: { podName: string; version: string; address: string; port: number }[];
  gateways: { network: string; address: string; port: number }[];
  /** `http://<address>:<port>/stats`, when the config asks for a stats endpoint. */
  statsUrl?: string;
}

export interface Dataplane {
  readonly fleet: HelloworldFleet;
  readonly gateways: readonly EastWestGateway[];
  /** What the process announces once everything listens (real ports, also when 0 was configured). */
  ready(): DataplaneReady;
  stats(): DataplaneStats;
  close(): Promise<void>;
}

const log = logger('dataplane');

function listenStats(address: string, port: number, stats: () => DataplaneStats): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(stats())}\n`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: only GET /stats is served here\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`stats endpoint: cannot listen on ${hostPort(address, port)}: ${err.message}`, { cause: err })));
    server.listen(port, address, () => resolve(server));
  });
}

/** Where a gateway learns its endpoints: Horizon over xDS when `xds` is set, else its static `endpoints`. */
function resolverFor(gw: GatewayConfig): EndpointResolver {
  return gw.xds ? createXdsEndpointResolver({ xdsAddress: gw.xds, network: gw.network }) : createStaticResolver(gw.endpoints, gw.domain);
}

export async function startDataplane(config: DataplaneConfig): Promise<Dataplane> {
  const fleet = new HelloworldFleet();
  const gateways: EastWestGateway[] = [];
  const resolvers: EndpointResolver[] = [];
  let statsServer: http.Server | undefined;

  const stats = (): DataplaneStats => ({
    backends: fleet.backends().map(({ podName, version, address, port, calls }) => ({ podName, version, address, port, calls })),
    gateways: gateways.map((gw) => gw.stats()),
  });

  const close = async () => {
    await Promise.all([
      fleet.close(),
      ...gateways.map((gw) => gw.close()),
      ...resolvers.map((r) => r.close?.()),
      statsServer && new Promise<void>((done) => {
        statsServer!.close(() => done());
        statsServer!.closeAllConnections();
      }),
    ]);
  };

  try {
    const result = await fleet.sync(config.backends);
    if (result.failed.length > 0) throw new Error(result.failed.map((f) => f.error).join('; '));
    for (const gw of config.gateways) {
      const resolver = resolverFor(gw);
      resolvers.push(resolver);
      gateways.push(
        await startEastWestGateway({ network: gw.network, address: gw.address, port: gw.port, domain: gw.domain, resolve: (host, port) => resolver.resolve(host, port) }),
      );
    }
    if (config.stats) statsServer = await listenStats(config.stats.address, config.stats.port, stats);
  } catch (err) {
    await close();
    throw err;
  }

  const statsAddress = statsServer?.address();
  const ready = (): DataplaneReady => ({
    ready: true,
    pid: process.pid,
    backends: fleet.backends().map(({ podName, version, address, port }) => ({ podName, version, address, port })),
    gateways: gateways.map(({ network, address, port }) => ({ network, address, port })),
    ...(config.stats && typeof statsAddress === 'object' && statsAddress && { statsUrl: `http://${hostPort(config.stats.address, statsAddress.port)}/stats` }),
  });
  log.debug(ready(), 'data plane ready');
  return { fleet, gateways, ready, stats, close };
}
