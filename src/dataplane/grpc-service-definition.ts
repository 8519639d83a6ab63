// Builds a grpc-js ServiceDefinition straight from a .proto file with protobufjs (a runtime
// dependency), so the data plane needs neither generated code nor @grpc/proto-loader at run time.
// Messages cross the boundary as plain objects with proto3 defaults filled in (like proto-loader with
// `defaults: true`), so a handler reads `request.name` as '' rather than undefined.
import type { ServiceDefinition, MethodDefinition } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const conversion: protobuf.IConversionOptions = { defaults: true, longs: String, enums: String, bytes: Buffer };

function serializerFor(type: protobuf.Type): (value: object) => Buffer {
  return (value) => {
    const problem = type.verify(value);
    if (problem) throw new Error(`${type.fullName.slice(1)}: ${problem}`);
    return Buffer.from(type.encode(type.fromObject(value)).finish());
  };
}

function deserializerFor(type: protobuf.Type): (bytes: Buffer) => Record<string, unknown> {
  return (bytes) => type.toObject(type.decode(bytes), conversion);
}

/**
 * The grpc-js definition of service `serviceName` (fully qualified, e.g. `helloworld.Greeter`)
 * declared in `protoFile`. Throws, naming the file, when the service is not there.
 */
export function loadServiceDefinition(protoFile: string, serviceName: string): ServiceDefinition {
  const root = protobuf.loadSync(protoFile);
  const service = root.lookup(serviceName);
  if (!(service instanceof protobuf.Service)) {
    throw new Error(`${protoFile}: no service named ${serviceName}`);
  }
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    method.resolve();
    const request = method.resolvedRequestType!;
    const response = method.resolvedResponseType!;
    definition[method.name] = {
      path: `/${serviceName}/${method.name}`,
      requestStream: method.requestStream === true,
      responseStream: method.responseStream === true,
      requestSerialize: serializerFor(request),
      requestDeserialize: deserializerFor(request),
      responseSerialize: serializerFor(response),
      responseDeserialize: deserializerFor(response),
      originalName: method.name,
    };
  }
  return definition;
}
