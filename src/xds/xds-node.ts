// What Horizon knows about an xDS client, taken from the Node of the first request on its stream.
import type { ClusterId, Locality, NetworkId, NetworkView } from '../model/types.js';
import type { CallerFacts } from '../split-horizon/failover-view.js';
import { structToJson, type JsonObject, type JsonValue, type PbStruct } from './codec/struct.js';

export interface XdsNode {
  id: string;
  /** Node.cluster (Envoy's service cluster), not a Kubernetes cluster. */
  cluster: string;
  locality: Locality;
  userAgentName: string;
  userAgentVersion: string;
  clientFeatures: readonly string[];
  /** Node.metadata as plain JSON. */
  metadata: Readonly<JsonObject>;
  /** Istio metadata NETWORK: the caller's network ('' when not set). */
  network: NetworkId;
  /** Istio metadata CLUSTER_ID: the Kubernetes cluster the caller runs in. */
  clusterId: ClusterId;
  /** Istio metadata GENERATOR ('grpc' for proxyless gRPC). */
  generator: string;
  /** GENERATOR=grpc, or a gRPC user agent ("gRPC Node Pure JS", "gRPC Go", ...). */
  proxyless: boolean;
  /** Istio metadata REQUESTED_NETWORK_VIEW (comma-separated in the metadata); empty = every network. */
  requestedNetworks: readonly NetworkId[];
  /** Istio metadata NAMESPACE. */
  namespace: string;
  /** Istio metadata LABELS (a Struct of strings). */
  labels: Readonly<Record<string, string>>;
  /** Istio metadata NODE_NAME: the Kubernetes node the caller runs on ('' when not set). */
  nodeName: string;
  /** Cache key of this node's network view: nodes with equal viewKeys see identical endpoints. */
  viewKey: string;
}

/** The Node message as protobufjs's toObject gives it (camelCase). */
export interface DecodedNode {
  id?: string;
  cluster?: string;
  metadata?: PbStruct;
  locality?: { region?: string; zone?: string; subZone?: string };
  userAgentName?: string;
  userAgentVersion?: string;
  clientFeatures?: string[];
}

/**
 * Cache key of a network view. Two views with the same key must get the same EDS, so the requested
 * networks are de-duplicated and sorted; components are escaped so no two views share a key.
 */
export function viewKeyOf(view: NetworkView): string {
  const requested = [...new Set(view.requestedNetworks ?? [])].filter((n) => n !== '').sort();
  return `${encodeURIComponent(view.network)}|${requested.map(encodeURIComponent).join(',')}`;
}

export function networkViewOf(node: Pick<XdsNode, 'network' | 'requestedNetworks'>): NetworkView {
  return node.requestedNetworks.length > 0
    ? { network: node.network, requestedNetworks: node.requestedNetworks }
    : { network: node.network };
}

/**
 * What locality load balancing asks of a caller (failoverView): its network, cluster, node locality,
 * labels and node name. All of it comes from node metadata, which the server bounds (limits.nodeMetadataBytes).
 */
export function callerFactsOf(node: Pick<XdsNode, 'network' | 'clusterId' | 'locality' | 'labels' | 'nodeName'>): CallerFacts {
  const facts: CallerFacts = { network: node.network, cluster: node.clusterId, locality: node.locality, labels: node.labels };
  if (node.nodeName !== '') facts.nodeName = node.nodeName;
  return facts;
}

export function parseNode(node: DecodedNode): XdsNode {
  const metadata = structToJson(node.metadata);
  const network = str(metadata.NETWORK);
  const generator = str(metadata.GENERATOR);
  const userAgentName = node.userAgentName ?? '';
  const requestedNetworks = [
    ...new Set(
      str(metadata.REQUESTED_NETWORK_VIEW)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  const labels: Record<string, string> = {};
  const rawLabels = metadata.LABELS;
  if (rawLabels && typeof rawLabels === 'object' && !Array.isArray(rawLabels)) {
    for (const [k, v] of Object.entries(rawLabels)) if (typeof v === 'string') labels[k] = v;
  }
  return {
    id: node.id ?? '',
    cluster: node.cluster ?? '',
    locality: {
      region: node.locality?.region ?? '',
      zone: node.locality?.zone ?? '',
      subzone: node.locality?.subZone ?? '',
    },
    userAgentName,
    userAgentVersion: node.userAgentVersion ?? '',
    clientFeatures: node.clientFeatures ?? [],
    metadata,
    network,
    clusterId: str(metadata.CLUSTER_ID),
    generator,
    proxyless: generator === 'grpc' || userAgentName.toLowerCase().startsWith('grpc'),
    requestedNetworks,
    namespace: str(metadata.NAMESPACE),
    labels,
    nodeName: str(metadata.NODE_NAME),
    viewKey: viewKeyOf({ network, requestedNetworks }),
  };
}

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}
