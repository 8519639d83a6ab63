// From the registry's endpoints of a service to the endpoints of one ClusterLoadAssignment: those
// that serve the given service port (matched by port name, as EndpointSlices list them) and, for a
// DestinationRule subset, carry all of the subset's labels. Labels and node name travel along for
// failoverPriority.
import type { Endpoint } from '../model/types.js';
import type { AssignmentEndpoint } from './types.js';

export function assignmentEndpoints(
  endpoints: Iterable<Endpoint>,
  portName: string,
  subsetLabels?: Readonly<Record<string, string>>,
): AssignmentEndpoint[] {
  const selector = subsetLabels ? Object.entries(subsetLabels) : [];
  const out: AssignmentEndpoint[] = [];
  for (const ep of endpoints) {
    const port = ep.ports[portName];
    if (port === undefined) continue;
    if (selector.length > 0 && !selector.every(([k, v]) => ep.labels[k] === v)) continue;
    const a: AssignmentEndpoint = {
      address: ep.address,
      port,
      network: ep.network,
      cluster: ep.cluster,
      locality: ep.locality,
      health: ep.health,
      labels: ep.labels,
    };
    if (ep.podName !== undefined) a.podName = ep.podName;
    if (ep.nodeName !== undefined) a.nodeName = ep.nodeName;
    out.push(a);
  }
  return out;
}
