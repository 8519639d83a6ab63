// Horizon's xDS layer: wire codec, resource encoders, the ADS server, the push coalescer and a raw ADS client.
// Nothing outside xds/ needs protobuf: resources go in as plain objects and come out as bytes.
export * from './type-urls.js';
export * from './node-info.js';
export { encodeAny, encodedResource, contentVersion, type EncodedResource } from './codec/any.js';
export * from './codec/requests.js';
export * from './codec/responses.js';
export type { Decoded } from './codec/result.js';
export type { JsonValue, JsonObject } from './codec/struct.js';
export * from './resources/index.js';
export * from './server/index.js';
export * from './push-queue.js';
export * from './client/index.js';
