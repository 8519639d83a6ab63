// Where an east-west gateway learns the ready endpoints of a service in its own network.
// Tests and the standalone process use the static resolver below; Horizon's xDS-fed resolver (a
// client whose REQUESTED_NETWORK_VIEW is the gateway's own network) implements the same interface.
import { defaultDomain, parseServiceAuthority } from './service-authority.js';

export interface BackendAddress {
  address: string;
  port: number;
}

/**
 * Ready endpoints of service `host` (always the fqdn, `<name>.<ns>.svc.<domain>`) on service port
 * `port`, in the gateway's own network. An unknown service and a service without ready endpoints
 * both answer []. May answer a promise, e.g. while a first xDS subscription is still in flight.
 */
export type ResolveEndpoints = (
  host: string,
  port: number,
) => readonly BackendAddress[] | Promise<readonly BackendAddress[]>;

export interface EndpointResolver {
  resolve: ResolveEndpoints;
  /** Releases whatever the resolver holds (xDS streams, timers). */
  close?(): void | Promise<void>;
}

export interface StaticResolver extends EndpointResolver {
  resolve(host: string, port: number): readonly BackendAddress[];
  /** Replaces the endpoints of a service, named by any accepted authority form. [] removes it. */
  set(authority: string, endpoints: readonly BackendAddress[]): void;
  /** The table, keyed by `<fqdn>:<port>`. */
  entries(): Record<string, BackendAddress[]>;
}

/**
 * A resolver over a fixed table `{ "<authority>": [{address, port}] }`; keys may use any accepted
 * authority form (`helloworld.sample:5000` and the fqdn are the same service). Throws on a key that
 * names no service, saying which.
 */
export function createStaticResolver(
  table: Readonly<Record<string, readonly BackendAddress[]>> = {},
  domain: string = defaultDomain,
): StaticResolver {
  const byKey = new Map<string, BackendAddress[]>();
  const set = (authority: string, endpoints: readonly BackendAddress[]) => {
    const parsed = parseServiceAuthority(authority, domain);
    if (!parsed.ok) throw new Error(`static endpoints: ${parsed.error}`);
    if (endpoints.length === 0) byKey.delete(parsed.value.key);
    else byKey.set(parsed.value.key, endpoints.map(({ address, port }) => ({ address, port })));
  };
  for (const [authority, endpoints] of Object.entries(table)) set(authority, endpoints);
  return {
    resolve: (host, port) => byKey.get(`${host}:${port}`) ?? [],
    set,
    entries: () => Object.fromEntries([...byKey].map(([key, eps]) => [key, eps.map((ep) => ({ ...ep }))])),
  };
}
