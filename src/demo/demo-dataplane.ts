// The demo's data plane beside its clusters (emulated or real): helloworld backends on the pod addresses of
// every cluster (PodBackends, fed by a pod informer) and one east-west gateway per network, listening
// on the LoadBalancer address of that cluster's istio-eastwestgateway Service and learning its own
// network's endpoints from Horizon over xDS.
import { KubeConfig } from '@kubernetes/client-node';
import type { GatewayConfig } from '../dataplane/dataplane-config.js';
import { startDataplane, type Dataplane } from '../dataplane/dataplane.js';
import type { EastWestGateway } from '../dataplane/eastwest-gateway.js';
import { PodBackends } from '../dataplane/pod-backends.js';
import { defaultDomain } from '../dataplane/service-authority.js';
import type { RunningCluster } from '../clusters/cluster-set.js';
import { KubeRest } from '../kube/rest.js';
import { GATEWAY_PORT_LABEL } from '../model/labels.js';
import { DEFAULT_GATEWAY_PORT } from '../topology/types.js';

export interface DemoDataplaneOptions {
  /** The clusters, each reached through its own kubeconfig. */
  clusters: ReadonlyArray<Pick<RunningCluster, 'id' | 'network' | 'kubeconfigYaml'>>;
  xdsAddress: string;
  /** Pods that get a helloworld backend (default app=helloworld). */
  labelSelector?: string;
  gatewayService?: { namespace: string; name: string };
}

export interface DemoDataplane {
  readonly backends: ReadonlyMap<string, PodBackends>;
  readonly gateways: ReadonlyMap<string, EastWestGateway>;
  /** Resolves once every cluster's backends match its ready pods. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

interface GatewayServiceShape {
  metadata?: { labels?: Record<string, string> };
  spec?: { ports?: { name?: string; port: number }[] };
  status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
}

/** The gateway port as topology reads it (label, else DEFAULT_GATEWAY_PORT); a bad label stops the demo rather than guess. */
function gatewayPort(clusterId: string, svc: GatewayServiceShape): number {
  const label = svc.metadata?.labels?.[GATEWAY_PORT_LABEL];
  if (label === undefined || label === '') return DEFAULT_GATEWAY_PORT;
  const port = /^\d+$/.test(label) ? Number(label) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new Error(`cluster ${clusterId}: label ${GATEWAY_PORT_LABEL}=${JSON.stringify(label)} is not a port number`);
  return port;
}

export async function startDemoDataplane(options: DemoDataplaneOptions): Promise<DemoDataplane> {
  const backends = new Map<string, PodBackends>();
  let dataplane: Dataplane | undefined;
  const gwRef = options.gatewayService ?? { namespace: 'istio-system', name: 'istio-eastwestgateway' };
  const close = async () => {
    await Promise.all([...backends.values()].map((b) => b.close()));
    await dataplane?.close();
  };
  try {
    // Gateways go through startDataplane: a gateway with `xds` set learns its endpoints from Horizon.
    const gatewayConfigs: GatewayConfig[] = [];
    for (const cluster of options.clusters) {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(cluster.kubeconfigYaml());
      const pods = new PodBackends({ kubeConfig, labelSelector: options.labelSelector ?? 'app=helloworld' });
      pods.start();
      backends.set(cluster.id, pods);

      const api = new KubeRest(kubeConfig);
      const svc = await api
        .request<GatewayServiceShape>(`/api/v1/namespaces/${gwRef.namespace}/services/${gwRef.name}`)
        .catch((err: Error) => {
          throw new Error(`cluster ${cluster.id}: cannot read Service ${gwRef.namespace}/${gwRef.name}: ${err.message}`);
        })
        .finally(() => api.close());
      const address = svc.status?.loadBalancer?.ingress?.[0]?.ip;
      if (!address) throw new Error(`cluster ${cluster.id}: Service ${gwRef.namespace}/${gwRef.name} has no load-balancer address`);
      const port = gatewayPort(cluster.id, svc);
      gatewayConfigs.push({ network: cluster.network, address, port, domain: defaultDomain, endpoints: {}, xds: options.xdsAddress });
    }
    dataplane = await startDataplane({ backends: [], gateways: gatewayConfigs });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    backends,
    gateways: new Map(dataplane.gateways.map((g) => [g.network, g])),
    settled: async () => {
      await Promise.all([...backends.values()].map((b) => b.settled()));
    },
    close,
  };
}
