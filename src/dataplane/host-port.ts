// `host:port` the way URLs and gRPC targets want it: IPv6 literals in brackets.
import { isIPv6 } from 'node:net';

export function hostPort(address: string, port: number): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}
