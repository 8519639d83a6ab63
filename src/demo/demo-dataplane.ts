// The demo's data plane beside its emulated clusters: helloworld backends on the pod addresses of
// every cluster (PodBackends, fed by a pod informer) and one east-west gateway per network, listening
// on the LoadBalancer address of that cluster's istio-eastwestgateway Service and learning its own
// network's endpoints from Horizon over xDS.
import { KubeConfig } from '@kubernetes/client-node';
import { startEastWestGateway, type EastWestGateway } from '../dataplane/eastwest-gateway.js';
import { PodBackends } from '../dataplane/pod-backends.js';
import { createXdsEndpointResolver } from '../dataplane/xds-endpoint-resolver.js';
import type { EndpointResolver } from '../dataplane/endpoint-resolver.js';
import type { EmulatedClusterSet } from '../emulator/index.js';
import { GATEWAY_PORT_LABEL } from '../model/labels.js';

export interface DemoDataplaneOptions {
  set: EmulatedClusterSet;
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

export async function startDemoDataplane(options: DemoDataplaneOptions): Promise<DemoDataplane> {
  const backends = new Map<string, PodBackends>();
  const gateways = new Map<string, EastWestGateway>();
  const resolvers: EndpointResolver[] = [];
  const gwRef = options.gatewayService ?? { namespace: 'istio-system', name: 'istio-eastwestgateway' };
  const close = async () => {
    await Promise.all([...backends.values()].map((b) => b.close()));
    await Promise.all([...gateways.values()].map((g) => g.close()));
    await Promise.all(resolvers.map((r) => r.close?.()));
  };
  try {
    for (const cluster of options.set.clusters) {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromString(cluster.kubeconfigYaml());
      const pods = new PodBackends({ kubeConfig, labelSelector: options.labelSelector ?? 'app=helloworld' });
      pods.start();
      backends.set(cluster.id, pods);

      const svc = cluster.get('v1', 'Service', gwRef.namespace, gwRef.name) as GatewayServiceShape | undefined;
      const address = svc?.status?.loadBalancer?.ingress?.[0]?.ip;
      if (!svc || !address) throw new Error(`cluster ${cluster.id}: Service ${gwRef.namespace}/${gwRef.name} has no load-balancer address`);
      const port = Number(svc.metadata?.labels?.[GATEWAY_PORT_LABEL] ?? 15443);
      const resolver = createXdsEndpointResolver({ xdsAddress: options.xdsAddress, network: cluster.network });
      resolvers.push(resolver);
      gateways.set(cluster.network, await startEastWestGateway({ network: cluster.network, address, port, resolve: resolver.resolve }));
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    backends,
    gateways,
    settled: async () => {
      await Promise.all([...backends.values()].map((b) => b.settled()));
    },
    close,
  };
}
