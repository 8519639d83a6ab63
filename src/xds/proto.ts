// Horizon's xDS protos (proto/xds/), loaded with protobufjs reflection. The schema is immutable, so it is
// loaded once per process on first use and shared; everything that holds state is constructed elsewhere.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** proto/xds, resolved from this module so it works from any working directory. */
export const XDS_PROTO_DIR = fileURLToPath(new URL('../../proto/xds/', import.meta.url));

const FILES = [
  'google/protobuf/well_known.proto',
  'google/rpc/status.proto',
  'envoy/config/core/v3/core.proto',
  'envoy/type/v3/percent.proto',
  'envoy/type/matcher/v3/string.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/service/discovery/v3/discovery.proto',
];

export interface XdsTypes {
  root: protobuf.Root;
  Any: protobuf.Type;
  Struct: protobuf.Type;
  Status: protobuf.Type;
  Node: protobuf.Type;
  Listener: protobuf.Type;
  HttpConnectionManager: protobuf.Type;
  Router: protobuf.Type;
  RouteConfiguration: protobuf.Type;
  Cluster: protobuf.Type;
  ClusterLoadAssignment: protobuf.Type;
  DiscoveryRequest: protobuf.Type;
  DiscoveryResponse: protobuf.Type;
  DeltaDiscoveryRequest: protobuf.Type;
  DeltaDiscoveryResponse: protobuf.Type;
  Resource: protobuf.Type;
}

let loaded: XdsTypes | undefined;

/** The loaded types (camelCase field names, protobufjs's default). */
export function xdsTypes(): XdsTypes {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  // Imports are written relative to proto/xds (like include paths), not to the importing file.
  root.resolvePath = (_origin, target) => (isAbsolute(target) ? target : join(XDS_PROTO_DIR, target));
  for (const f of FILES) {
    if (!existsSync(join(XDS_PROTO_DIR, f))) throw new Error(`xDS proto file missing: ${join(XDS_PROTO_DIR, f)}`);
  }
  root.loadSync(FILES.map((f) => join(XDS_PROTO_DIR, f)));
  root.resolveAll();
  const t = (name: string) => root.lookupType(name);
  loaded = {
    root,
    Any: t('google.protobuf.Any'),
    Struct: t('google.protobuf.Struct'),
    Status: t('google.rpc.Status'),
    Node: t('envoy.config.core.v3.Node'),
    Listener: t('envoy.config.listener.v3.Listener'),
    HttpConnectionManager: t('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
    Router: t('envoy.extensions.filters.http.router.v3.Router'),
    RouteConfiguration: t('envoy.config.route.v3.RouteConfiguration'),
    Cluster: t('envoy.config.cluster.v3.Cluster'),
    ClusterLoadAssignment: t('envoy.config.endpoint.v3.ClusterLoadAssignment'),
    DiscoveryRequest: t('envoy.service.discovery.v3.DiscoveryRequest'),
    DiscoveryResponse: t('envoy.service.discovery.v3.DiscoveryResponse'),
    DeltaDiscoveryRequest: t('envoy.service.discovery.v3.DeltaDiscoveryRequest'),
    DeltaDiscoveryResponse: t('envoy.service.discovery.v3.DeltaDiscoveryResponse'),
    Resource: t('envoy.service.discovery.v3.Resource'),
  };
  return loaded;
}

/** Options for turning decoded messages into plain objects: strings for enums, numbers for 64-bit ints. */
export const TO_OBJECT: protobuf.IConversionOptions = {
  enums: String,
  longs: Number,
  bytes: Buffer,
  defaults: false,
  oneofs: false,
  arrays: true,
  objects: true,
};
