// A real DNS server on 127.0.0.1 (UDP, ephemeral port) for tests: answers A/AAAA from a table the
// test changes at will, can answer SERVFAIL, and logs every query with its arrival time.
import dgram from 'node:dgram';
import * as packet from 'dns-packet';

export interface Zone {
  a?: string[];
  aaaa?: string[];
  /** Seconds; default 60. */
  ttl?: number;
  /** Answer this rcode instead of records (e.g. SERVFAIL). */
  rcode?: 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED';
  /** Answer SERVFAIL to queries of these types only. */
  failTypes?: string[];
}

export interface LoggedQuery {
  name: string;
  type: string;
  at: number;
}

const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export class TestDnsServer {
  readonly queries: LoggedQuery[] = [];
  private readonly zones = new Map<string, Zone>();

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg, peer) => this.answer(msg, peer));
  }

  static async start(): Promise<TestDnsServer> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new TestDnsServer(socket);
  }

  /** `127.0.0.1:<port>`, as Resolver.setServers takes it. */
  get address(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  set(name: string, zone: Zone): void {
    this.zones.set(name.toLowerCase(), zone);
  }

  queriesFor(name: string, type?: string): LoggedQuery[] {
    return this.queries.filter((q) => q.name === name.toLowerCase() && (type === undefined || q.type === type));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private answer(msg: Buffer, peer: dgram.RemoteInfo): void {
    let query: packet.Packet;
    try {
      query = packet.decode(msg);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    this.queries.push({ name, type: question.type, at: Date.now() });
    const zone = this.zones.get(name);
    const rcode = zone === undefined ? 'NXDOMAIN' : zone.failTypes?.includes(question.type) ? 'SERVFAIL' : (zone.rcode ?? 'NOERROR');
    const answers: packet.Answer[] = [];
    if (zone && rcode === 'NOERROR') {
      const ttl = zone.ttl ?? 60;
      if (question.type === 'A') for (const data of zone.a ?? []) answers.push({ type: 'A', name: question.name, ttl, data });
      if (question.type === 'AAAA') for (const data of zone.aaaa ?? []) answers.push({ type: 'AAAA', name: question.name, ttl, data });
    }
    const response = packet.encode({
      type: 'response',
      id: query.id ?? 0,
      // Flags carry the rcode in their low 4 bits.
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | RCODES[rcode],
      questions: query.questions ?? [],
      answers,
    });
    this.socket.send(response, peer.port, peer.address);
  }
}
