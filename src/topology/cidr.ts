// IP prefixes for meshNetworks `fromCidr`: parsed once, matched per endpoint with integer compares.
// Hand-written because node:net BlockList costs ~1.5 us per check (string marshalling into C++),
// and this runs for every endpoint of every cluster when fromCidr is configured.
import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as integers: IPv4 in one word, IPv6 in four (most significant first). */
export type ParsedIp = { family: 4; words: readonly [number] } | { family: 6; words: readonly [number, number, number, number] };

export interface Cidr {
  /** As written, for messages. */
  text: string;
  family: 4 | 6;
  prefixLength: number;
  /** The network address with host bits cleared, and the mask, word by word. */
  network: readonly number[];
  mask: readonly number[];
}

function ipv4ToWord(address: string): number {
  const parts = address.split('.');
  return ((+parts[0]! << 24) | (+parts[1]! << 16) | (+parts[2]! << 8) | +parts[3]!) >>> 0;
}

/** Parses an IP literal (IPv4, IPv6 with optional zone, IPv4-mapped IPv6 folded to IPv4); undefined if not one. */
export function parseIp(address: string): ParsedIp | undefined {
  if (isIPv4(address)) return { family: 4, words: [ipv4ToWord(address)] };
  if (!isIPv6(address)) return undefined;
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  const groups = ipv6Groups(bare);
  // ::ffff:a.b.c.d is how dual-stack sockets show IPv4 peers: match it against IPv4 prefixes.
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return { family: 4, words: [((groups[6]! << 16) | groups[7]!) >>> 0] };
  }
  const w = (i: number) => ((groups[i]! << 16) | groups[i + 1]!) >>> 0;
  return { family: 6, words: [w(0), w(2), w(4), w(6)] };
}

/** The eight 16-bit groups of a valid IPv6 literal (validity checked by the caller). */
function ipv6Groups(address: string): number[] {
  const expand = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const piece of part.split(':')) {
      if (piece.includes('.')) {
        const v4 = ipv4ToWord(piece);
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const doubleColon = address.indexOf('::');
  if (doubleColon < 0) return expand(address);
  const head = expand(address.slice(0, doubleColon));
  const tail = expand(address.slice(doubleColon + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

function maskWords(family: 4 | 6, prefixLength: number): number[] {
  const count = family === 4 ? 1 : 4;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bits = Math.max(0, Math.min(32, prefixLength - i * 32));
    out.push(bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  }
  return out;
}

/**
 * Parses `a.b.c.d/n` or `x::y/n`; a bare IP means a host prefix (/32 or /128), as istiod's
 * validation accepts. Host bits may be set (10.1.2.3/16 means 10.1.0.0/16), as Go's ParsePrefix
 * allows. Returns an error message instead of throwing.
 */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const addressPart = slash >= 0 ? text.slice(0, slash) : text;
  if (addressPart.includes('%')) return `"${text}" is not a valid CIDR block (zones are not allowed)`;
  const ip = parseIp(addressPart);
  // An IPv4-mapped address folds to IPv4, but its prefix length is written in IPv6 bits: refuse it.
  if (!ip || (ip.family === 4 && !isIPv4(addressPart))) return `"${text}" is not a valid CIDR block`;
  const maxBits = ip.family === 4 ? 32 : 128;
  let prefixLength = maxBits;
  if (slash >= 0) {
    const lengthText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lengthText) || +lengthText > maxBits) {
      return `"${text}" is not a valid CIDR block (prefix length must be 0-${maxBits})`;
    }
    prefixLength = +lengthText;
  }
  const mask = maskWords(ip.family, prefixLength);
  const network = ip.words.map((w, i) => (w & mask[i]!) >>> 0);
  return { text, family: ip.family, prefixLength, network, mask };
}

export function cidrContains(cidr: Cidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  for (let i = 0; i < cidr.mask.length; i++) {
    if (((ip.words[i]! & cidr.mask[i]!) >>> 0) !== cidr.network[i]) return false;
  }
  return true;
}
