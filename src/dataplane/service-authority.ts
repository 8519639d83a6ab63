// Which service an HTTP/2 `:authority` names, the way Kubernetes DNS search paths let a client write
// it: `<name>.<ns>.svc.<domain>:<port>`, `<name>.<ns>.svc:<port>` or `<name>.<ns>:<port>`.
// A pure function: the gateway, the static resolver and the config loader all normalise through it.
import { isIP } from 'node:net';

export const defaultDomain = 'cluster.local';

export interface ServiceAuthority {
  name: string;
  namespace: string;
  /** `<name>.<namespace>.svc.<domain>` */
  hostname: string;
  port: number;
  /** `<hostname>:<port>`, the key counters and resolvers use. */
  key: string;
}

export type AuthorityResult = { ok: true; value: ServiceAuthority } | { ok: false; error: string };

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const expected = (domain: string) => `expected <name>.<namespace>[.svc[.${domain}]]:<port>`;

function normaliseDomain(domain: string): string {
  return domain.trim().toLowerCase().replace(/^\.+|\.+$/g, '');
}

function splitHostPort(authority: string): { host: string; port: string | undefined } {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return { host: authority, port: undefined };
    const rest = authority.slice(end + 1);
    return { host: authority.slice(1, end), port: rest.startsWith(':') ? rest.slice(1) : undefined };
  }
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return { host: authority, port: undefined };
  // More than one colon without brackets: a bare IPv6 literal, no port.
  if (authority.indexOf(':') !== colon) return { host: authority, port: undefined };
  return { host: authority.slice(0, colon), port: authority.slice(colon + 1) };
}

export function parseServiceAuthority(authority: string, domain: string = defaultDomain): AuthorityResult {
  const dom = normaliseDomain(domain);
  const raw = authority.trim().toLowerCase();
  const fail = (why: string): AuthorityResult => ({ ok: false, error: `authority "${authority}" ${why}` });
  if (raw === '') return { ok: false, error: `empty authority (${expected(dom)})` };

  const { host: rawHost, port: rawPort } = splitHostPort(raw);
  const host = rawHost.replace(/\.$/, '');
  if (isIP(host)) return fail(`is an IP address, not a service name (${expected(dom)})`);
  if (rawPort === undefined || rawPort === '') return fail(`has no port (${expected(dom)})`);
  if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) < 1 || Number(rawPort) > 65535) {
    return fail(`has an invalid port "${rawPort}"`);
  }
  const port = Number(rawPort);

  const labels = host.split('.');
  if (labels.length === 1) return fail(`names no namespace (${expected(dom)})`);
  const [name, namespace] = labels as [string, string];
  const rest = labels.slice(2);
  const isService =
    rest.length === 0 || (rest[0] === 'svc' && (rest.length === 1 || rest.slice(1).join('.') === dom));
  if (!isService) {
    if (rest[0] === 'svc') return fail(`is outside the domain ${dom} (${expected(dom)})`);
    return fail(`is not a service name (${expected(dom)})`);
  }
  if (!dnsLabel.test(name) || !dnsLabel.test(namespace)) {
    return fail(`has a name or namespace that is not a DNS label (${expected(dom)})`);
  }
  const hostname = `${name}.${namespace}.svc.${dom}`;
  return { ok: true, value: { name, namespace, hostname, port, key: `${hostname}:${port}` } };
}
