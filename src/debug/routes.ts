// The debug API's endpoints: path, one line of help (listed at /debug), and the handler. Handlers read
// a DebugSource and return JSON (or text for /metrics); they throw HttpError for bad queries.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HorizonMetrics } from './metrics.js';
import type { DebugSource } from './source.js';
import { UI_ROUTES, type UiServer } from './ui/ui-routes.js';
import { adsz, connections } from './views/adsz.js';
import { clusterz } from './views/clusterz.js';
import { configDump } from './views/config-dump.js';
import { configz } from './views/configz.js';
import { edsz } from './views/edsz.js';
import { endpointz } from './views/endpointz.js';
import { meshView } from './views/mesh.js';
import { networkz } from './views/networkz.js';
import { registryz } from './views/registryz.js';
import { syncz } from './views/syncz.js';

export type RouteResult =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  /** The handler takes over the response (the event stream). */
  | { stream: (res: ServerResponse) => void };

export interface RouteContext {
  source: DebugSource;
  metrics: HorizonMetrics;
  params: URLSearchParams;
  /** The request carried a valid token (or web-view session), or none is required. */
  authenticated: boolean;
  req: IncomingMessage;
  /** The web view's sessions and event streams. */
  ui: UiServer;
}

export interface Route {
  path: string;
  help: string;
  /** Open without a token (probes): only /healthz and /ready. */
  public?: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

const ok = (json: unknown): RouteResult => ({ status: 200, json });

export const ROUTES: readonly Route[] = [
  { path: '/debug', help: 'This list', handle: () => ok(index()) },
  {
    path: '/debug/endpointz',
    help: 'Every endpoint by hostname -> namespace -> Kubernetes/<cluster>, with network (and why), locality, health, pod. ?host=name.namespace',
    handle: ({ source, params }) => ok(endpointz(source.mesh, params)),
  },
  {
    path: '/debug/edsz',
    help:
      '?proxyID=<substring>: for the names a connected proxy was sent, the ClusterLoadAssignments Horizon holds now, rebuilt on request (a push may be on its way; 400 without, 404 if none matches, 400 naming them if several do); with &explain=true, explained as below with its own locality and labels. ' +
      '?network=<name>[&host=name.namespace[:port]][&subset=][&cluster=a,b][&requestedNetworks=a,b][&locality=region/zone[/subzone]][&labels=k=v,...][&clusterId=]: what a caller on that network (in that locality, with those labels) receives, each endpoint explained with its priority and why, and failoverOrder: the priorities best first',
    handle: ({ source, params }) => ok(edsz(source, params)),
  },
  { path: '/debug/networkz', help: 'Gateways of every network (and where each came from), topology problems, unresolved gateway hostnames', handle: ({ source }) => ok(networkz(source.mesh)) },
  { path: '/debug/clusterz', help: 'Clusters, primary first, with sync status; refused remote Secret keys with the reason', handle: ({ source }) => ok(clusterz(source.clusters, source.mesh)) },
  { path: '/debug/registryz', help: 'Services merged across clusters: ports with protocol, clusters, cluster IPs. ?host=name.namespace', handle: ({ source, params }) => ok(registryz(source.mesh, params)) },
  { path: '/debug/syncz', help: 'Per connected proxy and type: sent and acknowledged versions and nonces, last NACK', handle: ({ source }) => ok(syncz(source.xds, source.clusters)) },
  { path: '/debug/adsz', help: 'Connected proxies with their subscriptions. ?proxyID=<substring>', handle: ({ source, params }) => ok(adsz(source.xds, params)) },
  { path: '/debug/connections', help: 'Open xDS streams (cheap)', handle: ({ source }) => ok(connections(source.xds)) },
  { path: '/debug/config_dump', help: 'Every resource a connected proxy holds, by type, in proto3 JSON. ?proxyID=<substring>', handle: ({ source, params }) => ok(configDump(source, params)) },
  {
    path: '/debug/configz',
    help: 'DestinationRules and VirtualServices in force per host, the ones they shadow, route problems, and rules refused with the reason. ?host=',
    handle: ({ source, params }) => ok(configz(source, params)),
  },
  { path: '/debug/mesh', help: 'meshNetworks in effect, each source with its error, networks the file overrides; the mesh config localityLbSetting and its sources', handle: ({ source }) => ok(meshView(source.mesh)) },
  {
    path: '/metrics',
    help: 'Prometheus metrics',
    handle: async ({ metrics }) => {
      const { contentType, text } = await metrics.render();
      return { status: 200, text, contentType };
    },
  },
  {
    path: '/ready',
    help: '200 once the primary cluster and remote Secrets are synced (slow remotes time out), else 503 with the reasons',
    public: true,
    handle: ({ source, authenticated }) => {
      const r = source.readiness();
      // Without a token only the verdict: reasons name clusters.
      const body = authenticated ? r : { ready: r.ready };
      return { status: r.ready ? 200 : 503, json: body };
    },
  },
  { path: '/healthz', help: '200 while the process serves', public: true, handle: () => ok({ status: 'ok' }) },
  ...UI_ROUTES,
];

export const ROUTE_BY_PATH: ReadonlyMap<string, Route> = new Map(ROUTES.map((r) => [r.path, r]));

function index(): { path: string; help: string }[] {
  return ROUTES.map((r) => ({ path: r.path, help: r.help }));
}
