// ClusterLoadAssignment (EDS): one per cluster name and network view, the split-horizon answer. The
// hot type: every endpoint change reaches it, and its variant is the node's precomputed view key. Where
// locality load balancing applies to the cluster (a DestinationRule with outlierDetection or
// `distribute`, or the mesh's `distribute`), the variant grows by the caller's failover view key and
// nothing more, so callers that see the same priorities share the bytes; everywhere else (and always
// when no rule can turn locality load balancing on) it is the view key alone, found without a lookup.
import type { LocalityLbPolicy } from '../../../split-horizon/locality-lb-policy.js';
import { failoverViewKey } from '../../../split-horizon/failover-view.js';
import { encodeClusterLoadAssignment } from '../../resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../type-urls.js';
import { callerFactsOf, networkViewOf, type XdsNode } from '../../xds-node.js';
import { buildAssignment } from '../eds.js';
import { parseClusterName, type ClusterKey } from '../names.js';
import type { MeshView, ResourceType } from './resource-type.js';

/**
 * Per (policy, node), the variant: asked once per stream and name on every push, so worked out once.
 * Both keys are weak: a policy lives as long as its config index, a node as long as its connection.
 */
const failoverVariants = new WeakMap<LocalityLbPolicy, WeakMap<XdsNode, string>>();

function failoverVariant(node: XdsNode, policy: LocalityLbPolicy): string {
  let byNode = failoverVariants.get(policy);
  if (!byNode) failoverVariants.set(policy, (byNode = new WeakMap()));
  let variant = byNode.get(node);
  // The view key has one unescaped '|'; the failover key is never empty for a policy that is on.
  if (variant === undefined) byNode.set(node, (variant = `${node.viewKey}|${failoverViewKey(callerFactsOf(node), policy)}`));
  return variant;
}

/** The policy for a name the mesh may serve; off for names of no known service (nothing to generate). */
function policyOfName(name: string, view: MeshView): LocalityLbPolicy | undefined {
  const key = parseClusterName(name);
  if (!key || !view.mesh.hasHost(key.host)) return undefined;
  return view.config.localityLb(key);
}

export const endpointType: ResourceType<ClusterKey> = {
  typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE,
  followsEndpoints: true,
  hostOf: (name) => parseClusterName(name)?.host,
  parse: parseClusterName,
  variantOf(name, node, view) {
    if (!view.config.localityLbPossible) return node.viewKey;
    const policy = policyOfName(name, view);
    return policy === undefined || policy.mode === 'off' ? node.viewKey : failoverVariant(node, policy);
  },
  generate(view, _name, key, node) {
    const built = buildAssignment(view.mesh, view.config, key, networkViewOf(node), callerFactsOf(node));
    return built ? encodeClusterLoadAssignment(built.input) : undefined;
  },
};
