// An east-west gateway learns the ready endpoints of its own network from Horizon itself, as an xDS
// client whose NETWORK and REQUESTED_NETWORK_VIEW are that network: Horizon then sends exactly the
// pod addresses the gateway may forward to (never another network's gateway). The stream is kept up:
// when it ends it is reopened after a backoff with every name subscribed again.
import { Backoff } from '../kube/backoff.js';
import { logger } from '../log.js';
import type { NetworkId } from '../model/types.js';
import { AdsClient } from '../xds/client/ads-client.js';
import { clusterName } from '../xds/generators/names.js';
import type { DecodedClusterLoadAssignment } from '../xds/resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../xds/type-urls.js';
import type { BackendAddress, EndpointResolver } from './endpoint-resolver.js';

export interface XdsEndpointResolverOptions {
  /** host:port of Horizon's xDS server. */
  xdsAddress: string;
  network: NetworkId;
  /** How long the first answer for a new service may take before the call is failed (default 5 s). */
  firstAnswerTimeoutMs?: number;
}

export function createXdsEndpointResolver(options: XdsEndpointResolverOptions): EndpointResolver {
  const log = logger('dataplane.xds-resolver').child({ network: options.network });
  const names = new Set<string>();
  const backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
  let client: AdsClient | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = () => {
    const c = new AdsClient({
      address: options.xdsAddress,
      node: {
        id: `eastwestgateway~${options.network}`,
        metadata: { NETWORK: options.network, REQUESTED_NETWORK_VIEW: options.network },
      },
    });
    c.on('response', () => backoff.reset());
    c.on('status', (s: { details: string }) => {
      if (closed || client !== c) return;
      client = undefined;
      const delay = backoff.next();
      log.warn({ details: s.details, retryInMs: delay }, 'xDS stream to Horizon ended; reconnecting');
      timer = setTimeout(connect, delay);
      timer.unref();
    });
    if (names.size > 0) c.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [...names]);
    client = c;
  };

  const endpointsOf = (name: string): BackendAddress[] | undefined => {
    const r = client?.resources(CLUSTER_LOAD_ASSIGNMENT_TYPE).get(name);
    if (!r) return undefined;
    const cla = r.decoded?.value as DecodedClusterLoadAssignment | undefined;
    return (cla?.endpoints ?? []).flatMap((g) =>
      g.lbEndpoints.filter((e) => e.healthStatus === 'HEALTHY' || e.healthStatus === 'UNKNOWN').map((e) => ({ address: e.address, port: e.port })),
    );
  };

  return {
    async resolve(host, port) {
      if (closed) return [];
      if (!client) connect();
      const name = clusterName(port, '', host);
      const known = endpointsOf(name);
      if (known) return known;
      if (!names.has(name)) {
        names.add(name);
        client!.subscribe(CLUSTER_LOAD_ASSIGNMENT_TYPE, [name]);
      }
      // First call for this service: wait for Horizon's answer (a service that does not exist gets none).
      try {
        await client!.waitFor(() => endpointsOf(name) !== undefined, options.firstAnswerTimeoutMs ?? 5000, `endpoints of ${name}`);
      } catch {
        return [];
      }
      return endpointsOf(name) ?? [];
    },
    close() {
      closed = true;
      clearTimeout(timer);
      client?.close();
      client = undefined;
    },
  };
}
