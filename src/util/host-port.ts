// `host:port` written and read one way everywhere (CLI options, config files, listeners, debug views):
// IPv6 literals in brackets, ports 0-65535. No project imports, so any layer may use it.
import { isIPv6 } from 'node:net';

/** `host:port` the way URLs and gRPC targets want it: IPv6 literals in brackets. */
export function hostPort(address: string, port: number | string): string {
  return isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Splits 'host:port' / '[v6]:port'; throws a clear error for anything else (including ports above 65535). */
export function parseHostPort(address: string, what = 'address', example = '15010'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${what} '${address}' is not host:port (e.g. 127.0.0.1:${example} or [::1]:${example})`);
  return { host: (m[1] ?? m[2])!, port };
}
