// ClusterLoadAssignment (EDS): one per cluster name and network view, the split-horizon answer. The
// hot type: every endpoint change reaches it, and its variant is the node's precomputed view key.
import { encodeClusterLoadAssignment } from '../../resources/cluster-load-assignment.js';
import { CLUSTER_LOAD_ASSIGNMENT_TYPE } from '../../type-urls.js';
import { networkViewOf } from '../../xds-node.js';
import { buildAssignment } from '../eds.js';
import { parseClusterName, type ClusterKey } from '../names.js';
import type { ResourceType } from './resource-type.js';

export const endpointType: ResourceType<ClusterKey> = {
  typeUrl: CLUSTER_LOAD_ASSIGNMENT_TYPE,
  followsEndpoints: true,
  hostOf: (name) => parseClusterName(name)?.host,
  parse: parseClusterName,
  variantOf: (_name, node) => node.viewKey,
  generate(view, _name, key, node) {
    const built = buildAssignment(view.mesh, view.config, key, networkViewOf(node));
    return built ? encodeClusterLoadAssignment(built.input) : undefined;
  },
};
