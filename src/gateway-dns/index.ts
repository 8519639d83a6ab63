// The public face of gateway-dns/: gateway hostnames resolved with timers and real DNS I/O, kept out of
// the pure topology folder, which only reads the answers through a HostnameLookup.
export {
  GatewayHostnameResolver,
  type HostnameChange,
  type HostnameResolverOptions,
  type HostnameStatus,
} from './hostname-resolver.js';
