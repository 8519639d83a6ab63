// IPv4 CIDRs and an address allocator that never hands out an address still in use.

export interface Cidr {
  text: string;
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
  size: number;
}

export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Parses `a.b.c.d/n`; the address must be the network address. Returns an error text otherwise. */
export function parseCidr(text: string): Cidr | string {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(String(text).trim());
  if (!m) return `${JSON.stringify(text)} is not an IPv4 CIDR like 10.0.0.0/16`;
  const ip = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (ip === undefined || prefix > 32) return `${JSON.stringify(text)} is not an IPv4 CIDR like 10.0.0.0/16`;
  const size = 2 ** (32 - prefix);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((ip & mask) >>> 0 !== ip) return `${JSON.stringify(text)} has host bits set; did you mean ${formatIPv4((ip & mask) >>> 0)}/${prefix}?`;
  return { text: `${formatIPv4(ip)}/${prefix}`, base: ip, prefix, size };
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ip >= c.base && ip < c.base + c.size;
}

const LOOPBACK = parseCidr('127.0.0.0/8') as Cidr;

/** Whether any address of the CIDR is a loopback address (127.0.0.0/8). */
export function isLoopbackCidr(c: Cidr): boolean {
  return cidrsOverlap(c, LOOPBACK);
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.base < b.base + b.size && b.base < a.base + a.size;
}

/**
 * Allocates addresses of a CIDR, skipping the network and broadcast addresses of pools larger than
 * /31. Hands out addresses in a rotating order so a just-released address is not reused at once.
 */
export class IpPool {
  readonly cidr: Cidr;
  private readonly used = new Set<number>();
  private next: number;
  private readonly first: number;
  private readonly last: number;

  constructor(cidr: Cidr, reserved: readonly number[] = []) {
    this.cidr = cidr;
    this.first = cidr.size > 2 ? cidr.base + 1 : cidr.base;
    this.last = cidr.size > 2 ? cidr.base + cidr.size - 2 : cidr.base + cidr.size - 1;
    this.next = this.first;
    for (const r of reserved) this.used.add(r);
  }

  get capacity(): number {
    return this.last - this.first + 1;
  }

  allocate(): string | undefined {
    const n = this.capacity;
    for (let i = 0; i < n; i++) {
      const ip = this.next;
      this.next = this.next >= this.last ? this.first : this.next + 1;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return formatIPv4(ip);
      }
    }
    return undefined;
  }

  /** Marks a specific address used. False if it is outside the pool or already taken. */
  claim(address: string): boolean {
    const ip = parseIPv4(address);
    if (ip === undefined || ip < this.first || ip > this.last || this.used.has(ip)) return false;
    this.used.add(ip);
    return true;
  }

  contains(address: string): boolean {
    const ip = parseIPv4(address);
    return ip !== undefined && cidrContains(this.cidr, ip);
  }

  release(address: string | undefined): void {
    if (address === undefined) return;
    const ip = parseIPv4(address);
    if (ip !== undefined) this.used.delete(ip);
  }
}

/** Node ports 30000-32767, allocated the same way. */
export class PortPool {
  private readonly used = new Set<number>();
  private next: number;

  constructor(
    private readonly min = 30000,
    private readonly max = 32767,
  ) {
    this.next = min;
  }

  allocate(): number | undefined {
    for (let i = 0; i <= this.max - this.min; i++) {
      const p = this.next;
      this.next = this.next >= this.max ? this.min : this.next + 1;
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    return undefined;
  }

  claim(port: number): boolean {
    if (!Number.isInteger(port) || port < this.min || port > this.max || this.used.has(port)) return false;
    this.used.add(port);
    return true;
  }

  release(port: number | undefined): void {
    if (port !== undefined) this.used.delete(port);
  }
}
