// Istio's protocol selection for a service port: appProtocol first, then the port name's prefix
// (`<protocol>[-<suffix>]`), then the Kubernetes transport protocol. Unknown names mean "detect".
import type { Protocol } from '../model/types.js';

const byName: Record<string, Protocol> = {
  grpc: 'GRPC',
  'grpc-web': 'GRPC-Web',
  http: 'HTTP',
  http2: 'HTTP2',
  https: 'HTTPS',
  tcp: 'TCP',
  tls: 'TLS',
  udp: 'UDP',
  mongo: 'Mongo',
  redis: 'Redis',
  mysql: 'MySQL',
};

const byAppProtocol: Record<string, Protocol> = {
  ...byName,
  'kubernetes.io/h2c': 'HTTP2',
  'kubernetes.io/ws': 'HTTP',
  'kubernetes.io/wss': 'HTTPS',
};

export function protocolOf(port: { name?: string; appProtocol?: string; protocol?: string }): Protocol {
  if (port.protocol === 'UDP') return 'UDP';
  if (port.protocol === 'SCTP') return 'Unsupported';
  const app = port.appProtocol?.toLowerCase();
  if (app && byAppProtocol[app]) return byAppProtocol[app];
  const name = (port.name ?? '').toLowerCase();
  // `grpc-web` is itself a prefix with a dash, so try it before splitting.
  if (name === 'grpc-web' || name.startsWith('grpc-web-')) return 'GRPC-Web';
  const prefix = name.split('-')[0]!;
  return byName[prefix] ?? 'Unsupported';
}
