// ClusterLoadAssignment for one cluster name and one network view: the service's endpoints in every
// cluster (the port matched by name per cluster, the subset by labels), through the split-horizon
// decision (with the cluster's locality load balancing and the caller's failover view, when it has
// one), shaped for the encoder.
import { assignmentEndpoints } from '../../split-horizon/assignment-endpoints.js';
import { failoverView, type CallerFacts } from '../../split-horizon/failover-view.js';
import type { LocalityLbPolicy } from '../../split-horizon/locality-lb-policy.js';
import { splitHorizon } from '../../split-horizon/split-horizon.js';
import type { AssignmentEndpoint, AssignmentPlan } from '../../split-horizon/types.js';
import type { MeshModel } from '../../mesh/mesh-model.js';
import { emptyLocality, type ClusterId, type Endpoint, type NetworkView } from '../../model/types.js';
import type { ClusterLoadAssignmentInput } from '../resources/cluster-load-assignment.js';
import type { IstioConfigIndex } from './istio-config-index.js';
import { clusterName, type ClusterKey } from './names.js';

export interface AssignmentResult {
  input: ClusterLoadAssignmentInput;
  plan: AssignmentPlan;
  /** The cluster's locality load balancing, which the plan's priorities follow. */
  localityLb: LocalityLbPolicy;
}

/**
 * undefined when the cluster does not exist: no such service, port or subset. `caller`: the locality
 * and labels the priorities are worked out for (absent: a caller of the view's network with none).
 */
export function buildAssignment(mesh: MeshModel, config: IstioConfigIndex, key: ClusterKey, view: NetworkView, caller?: CallerFacts): AssignmentResult | undefined {
  // No service, no cluster (and no memo entry in the config index for a name a client made up).
  if (!mesh.hasHost(key.host)) return undefined;
  const localityLb = config.localityLb(key);
  const locality =
    localityLb.mode === 'off' ? undefined : { policy: localityLb, view: failoverView(caller ?? { network: view.network, cluster: '', locality: emptyLocality, labels: {} }, localityLb) };
  const instances = mesh.serviceInstances(key.host);
  // The same port number may carry a different port name in each cluster: EndpointSlices name ports.
  const portNameByCluster = new Map<ClusterId, string>();
  for (const svc of instances) {
    const p = svc.ports.find((sp) => sp.port === key.port);
    if (p) portNameByCluster.set(svc.cluster, p.name);
  }
  if (portNameByCluster.size === 0) return undefined;
  let subsetLabels: Readonly<Record<string, string>> | undefined;
  if (key.subset) {
    const subset = config.subset(key.host, key.subset);
    if (!subset) return undefined;
    subsetLabels = subset.labels;
  }

  const byCluster = new Map<ClusterId, Endpoint[]>();
  for (const ep of mesh.endpoints(key.host)) {
    if (!portNameByCluster.has(ep.cluster)) continue;
    let list = byCluster.get(ep.cluster);
    if (!list) byCluster.set(ep.cluster, (list = []));
    list.push(ep);
  }
  const endpoints: AssignmentEndpoint[] = [];
  for (const [cluster, eps] of byCluster) {
    for (const ae of assignmentEndpoints(eps, portNameByCluster.get(cluster)!, subsetLabels)) endpoints.push(ae);
  }

  const plan = splitHorizon({ endpoints, gateways: mesh.gateways(), view, ...(locality ? { locality } : {}) });
  // The plan's groups already have the encoder's shape (locality, weights, priority, address, port).
  const input: ClusterLoadAssignmentInput = { clusterName: clusterName(key.port, key.subset, key.host), endpoints: plan.groups };
  return { input, plan, localityLb };
}
