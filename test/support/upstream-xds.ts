// The full upstream Envoy/xds/googleapis protos that @grpc/grpc-js-xds ships, loaded the way grpc-js-xds
// loads them, plus grpc-js-xds's own resource validators: the reference Horizon's encodings are checked
// against.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const xdsPackageDir = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const depsDir = join(xdsPackageDir, 'deps');

// proto-loader's internal loader is what grpc-js-xds itself uses (build/src/resources.js): the same root, the same options.
require('@grpc/proto-loader');
const { loadProtosWithOptionsSync } = require('@grpc/proto-loader/build/src/util') as {
  loadProtosWithOptionsSync(files: string[], options: Record<string, unknown>): protobuf.Root;
};

let root: protobuf.Root | undefined;

export function upstreamRoot(): protobuf.Root {
  root ??= loadProtosWithOptionsSync(
    [
      'envoy/service/discovery/v3/ads.proto',
      'envoy/config/listener/v3/listener.proto',
      'envoy/config/route/v3/route.proto',
      'envoy/config/cluster/v3/cluster.proto',
      'envoy/config/endpoint/v3/endpoint.proto',
      'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
      'envoy/extensions/filters/http/router/v3/router.proto',
    ],
    {
      keepCase: true,
      includeDirs: ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(depsDir, d)),
    },
  );
  return root;
}

/** Decodes with the upstream protos into grpc-js-xds's view (snake_case, enum names, defaults, oneof names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function upstreamDecode(typeName: string, bytes: Uint8Array): any {
  const t = upstreamRoot().lookupType(typeName);
  return t.toObject(t.decode(bytes), { longs: String, enums: String, defaults: true, oneofs: true });
}

export function upstreamEncode(typeName: string, obj: Record<string, unknown>): Uint8Array {
  const t = upstreamRoot().lookupType(typeName);
  const err = t.verify(obj);
  if (err) throw new Error(`upstream ${typeName}: ${err}`);
  return t.encode(t.fromObject(obj)).finish();
}

interface Validator {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  validateResource(...args: any[]): { valid: true; result: unknown } | { valid: false; errors: string[] };
}

/** grpc-js-xds's own validation of a decoded resource (what makes it NACK). */
export function grpcXdsValidate(kind: 'listener' | 'route' | 'cluster' | 'endpoint', decoded: unknown): string[] {
  // The HTTP filter registry (router filter) is filled by register().
  (require('@grpc/grpc-js-xds') as { register(): void }).register();
  const build = join(xdsPackageDir, 'build/src/xds-resource-type');
  const context = { server: {}, bootstrap: { certificateProviders: {} } };
  let result;
  switch (kind) {
    case 'listener': {
      const { ListenerResourceType } = require(join(build, 'listener-resource-type.js')) as { ListenerResourceType: { get(): Validator } };
      result = ListenerResourceType.get().validateResource(context, decoded);
      break;
    }
    case 'route': {
      const { RouteConfigurationResourceType } = require(join(build, 'route-config-resource-type.js')) as {
        RouteConfigurationResourceType: { get(): Validator };
      };
      result = RouteConfigurationResourceType.get().validateResource(decoded);
      break;
    }
    case 'cluster': {
      const { ClusterResourceType } = require(join(build, 'cluster-resource-type.js')) as { ClusterResourceType: { get(): Validator } };
      result = ClusterResourceType.get().validateResource(context, decoded);
      break;
    }
    case 'endpoint': {
      const { EndpointResourceType } = require(join(build, 'endpoint-resource-type.js')) as { EndpointResourceType: { get(): Validator } };
      result = EndpointResourceType.get().validateResource(decoded);
      break;
    }
  }
  return result.valid ? [] : result.errors;
}
