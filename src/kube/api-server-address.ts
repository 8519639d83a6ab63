// Which API server addresses a remote-cluster Secret may point Horizon at. A Secret is written by
// whoever may create Secrets in the system namespace; without this, its kubeconfig could make Horizon
// send requests (with the Secret's credentials, or none) to the cloud metadata service or to any
// link-local neighbour. Refused by default; `--allow-link-local-api-servers` accepts them.
//
// Two checks, one decision: the kubeconfig's URL host (names and IP literals, in any spelling the URL
// parser normalises: 0xa9fea9fe, 2852039166, ::ffff:a9fe:a9fe) when the Secret is read, and every
// address a host name resolves to when a connection is made (a name can resolve to anything, and change).
import dns from 'node:dns';
import net from 'node:net';

export interface ApiServerAddressPolicy {
  /** Accept link-local and cloud metadata addresses (--allow-link-local-api-servers). */
  allowLinkLocal: boolean;
  /**
   * More addresses refused as if they were metadata addresses. For tests only: they deny a loopback
   * address and prove nothing connects to it, since a test may never send a packet to the real ones.
   * It can only refuse more, never allow anything.
   */
  extraDenied?: readonly string[];
}

/** Names of metadata services (lower case, no trailing dot). */
const METADATA_NAMES = new Set(['metadata.google.internal']);

const linkLocal = new net.BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4'); // IPv4 link-local; 169.254.169.254 is AWS/GCP/Azure/OCI metadata
linkLocal.addSubnet('fe80::', 10, 'ipv6'); // IPv6 link-local
linkLocal.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6 (not link-local, but the same service)
// The same IPv4 range inside IPv6 forms that reach it: mapped (::ffff:0:0/96 is also matched by the
// IPv4 rule), NAT64 well-known prefix, and the deprecated IPv4-compatible form.
linkLocal.addSubnet('::ffff:169.254.0.0', 112, 'ipv6');
linkLocal.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');
linkLocal.addSubnet('::a9fe:0', 112, 'ipv6');

/** Said with every link-local refusal, so the operator knows the way out. */
const ALLOW_LINK_LOCAL_HINT = 'allowed with --allow-link-local-api-servers';

const deniedLists = new WeakMap<readonly string[], net.BlockList>();

function extraList(extra: readonly string[]): net.BlockList {
  let list = deniedLists.get(extra);
  if (!list) {
    list = new net.BlockList();
    for (const a of extra) {
      const family = net.isIP(a);
      if (family === 4) {
        list.addAddress(a, 'ipv4');
        list.addSubnet(`::ffff:${a}`, 128, 'ipv6');
      } else if (family === 6) list.addAddress(a, 'ipv6');
    }
    deniedLists.set(extra, list);
  }
  return list;
}

/** Why `address` (an IP address) may not be used as an API server; undefined when it may. */
export function deniedAddress(address: string, policy: ApiServerAddressPolicy): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return undefined;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.extraDenied && policy.extraDenied.length > 0 && extraList(policy.extraDenied).check(address, type)) {
    return `${address} is on the deny list given for tests`;
  }
  if (policy.allowLinkLocal) return undefined;
  if (linkLocal.check(address, type)) return `${address} is a link-local or cloud metadata address (${ALLOW_LINK_LOCAL_HINT})`;
  return undefined;
}

/**
 * Why a URL host (as `new URL(...).hostname` gives it: IPv6 in brackets) may not be used; undefined
 * when it may, as far as can be told before resolving it.
 */
export function deniedHost(hostname: string, policy: ApiServerAddressPolicy): string | undefined {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (net.isIP(host) !== 0) return deniedAddress(host, policy);
  const name = host.toLowerCase().replace(/\.$/, '');
  if (!policy.allowLinkLocal && METADATA_NAMES.has(name)) return `${name} is a cloud metadata service name (${ALLOW_LINK_LOCAL_HINT})`;
  return undefined;
}


type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s) agents that refuses a name resolving to a denied address. If any address of
 * the name is denied, the name is: otherwise a resolver answering with a good and a bad address would
 * leave the choice to connection racing.
 */
export function guardedLookup(policy: ApiServerAddressPolicy): net.LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: LookupCallback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : '', undefined);
      for (const a of addresses) {
        const why = deniedAddress(a.address, policy);
        if (why) {
          const refused: NodeJS.ErrnoException = new Error(`API server name ${hostname} resolves to ${why}; not connecting`);
          refused.code = 'EADDRNOTAVAIL';
          return callback(refused, options.all ? [] : '', undefined);
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', undefined);
      callback(null, first.address, first.family);
    });
  }) as unknown as net.LookupFunction;
}
