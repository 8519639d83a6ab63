// The ADS server's public face.
export { startXdsServer, parseHostPort, type XdsServer, type XdsServerOptions } from './server.js';
export { mergePushRequests, type EncodedResource, type PushRequest, type XdsResourceProvider } from './provider.js';
export type * from './observer.js';
export { combineObservers } from './observer.js';
export type * from './snapshot.js';
