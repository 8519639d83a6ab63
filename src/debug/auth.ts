// Who may read the debug API. It shows every endpoint, gateway and connected proxy of the mesh, so off
// loopback it must be protected: Horizon refuses to listen on a non-loopback address without a token,
// and with a token every request must carry `Authorization: Bearer <token>`. Without a token (loopback
// only) a request must also be addressed to a loopback name (hostAllowed: DNS rebinding).
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, ::ffff:127.x, `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Throws, before anything listens, when the address would expose the API without a token. */
export function checkDebugListenPolicy(address: string, host: string, token: string | undefined): void {
  if (token) return;
  if (isLoopbackHost(host)) return;
  throw new Error(
    `debug address ${address} is reachable from other machines and no debug token is set: ` +
      'set one with --debug-token or HORIZON_DEBUG_TOKEN (callers then send "Authorization: Bearer <token>"), ' +
      'or listen on 127.0.0.1',
  );
}

/**
 * Whether a request is addressed to this server by a name only this machine answers to, for a debug API
 * without a token (which listens on loopback only). A web page on another site can make a browser send
 * requests to 127.0.0.1 by pointing its own name there (DNS rebinding) and then read the answers as its
 * own origin's; such requests carry that name in `Host`. So only loopback names and addresses
 * (`localhost`, 127.x.x.x, [::1]) and the listen address are answered; any port (a port-forward keeps
 * the name). A request without `Host` is no browser's (node:http answers an HTTP/1.1 one 400 itself;
 * an HTTP/1.0 client may omit it) and passes.
 */
export function hostAllowed(hostHeader: string | undefined, listenHost: string): boolean {
  if (hostHeader === undefined) return true;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+))(?::\d{0,5})?$/.exec(hostHeader);
  if (!m) return false;
  const name = (m[1] ?? m[2])!.toLowerCase();
  return isLoopbackHost(name) || name === listenHost.toLowerCase().replace(/^\[|\]$/g, '');
}

/** Compares the request's bearer token with the expected one in constant time (hashes: equal lengths). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!.trim()).digest();
  const wanted = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, wanted);
}
