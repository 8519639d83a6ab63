// Cluster (CDS): an EDS cluster per service port and DestinationRule subset, per client kind.
import { encodeEdsCluster } from '../../resources/cluster.js';
import { CLUSTER_TYPE } from '../../type-urls.js';
import { buildCluster, clusterKeysOf } from '../cds.js';
import { clusterName, parseClusterName, type ClusterKey } from '../names.js';
import { clientKind, type ResourceType } from './resource-type.js';

export const clusterType: ResourceType<ClusterKey> = {
  typeUrl: CLUSTER_TYPE,
  followsEndpoints: false,
  hostOf: (name) => parseClusterName(name)?.host,
  parse: parseClusterName,
  variantOf: (_name, node) => clientKind(node),
  generate(view, _name, key, node) {
    const built = buildCluster(view.mesh, view.config, key, node.proxyless);
    return built ? encodeEdsCluster(built) : undefined;
  },
  wildcard: {
    variantOf: clientKind,
    names: (view) => view.mesh.hostnames().flatMap((host) => clusterKeysOf(view.mesh, view.config, host).map((k) => clusterName(k.port, k.subset, k.host))),
  },
};
