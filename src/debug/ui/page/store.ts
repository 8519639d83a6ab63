// The page's data: the debug JSON as last fetched, and what is being refetched. One owner: panels read
// it, only this file writes it. A change event names what moved; each affected document is fetched
// again (one request at a time per document; a change arriving meanwhile fetches once more after).
import { getJson, query, type Fetched } from './api.js';
import type { ChangeEvent, ClusterzEntry, MeshView, NetworkEdsz, Networkz, RegistryzService, SynczEntry } from './api-types.js';
import { networksOf } from './graph-model.js';

export type DocKey = 'clusters' | 'networkz' | 'services' | 'proxies' | 'mesh' | 'service';
const ALL: readonly DocKey[] = ['clusters', 'networkz', 'services', 'proxies', 'mesh', 'service'];

export interface Selection {
  host?: string;
  port?: number;
  /** The caller network the graph is drawn for. */
  caller?: string;
  /** '' = the whole service. */
  subset: string;
}

export interface ServiceViews {
  host: string;
  port: number;
  /** Per caller network: what it receives, or why it could not be read. */
  byNetwork: Map<string, { ok: true; value: NetworkEdsz } | { ok: false; error: string }>;
}

export interface Data {
  clusters?: ClusterzEntry[];
  networkz?: Networkz;
  services?: RegistryzService[];
  proxies?: SynczEntry[];
  mesh?: MeshView;
  service?: ServiceViews;
}

export class Store {
  readonly data: Data = {};
  selection: Selection = { subset: '' };
  /** Last error per document (cleared by a good fetch). */
  readonly errors = new Map<DocKey, string>();
  /** The oldest change not yet reflected (ms), for "behind". */
  pendingSince: number | undefined;
  updatedAt: Date | undefined;
  private readonly inFlight = new Set<DocKey>();
  private readonly again = new Set<DocKey>();

  constructor(
    private readonly onUpdate: () => void,
    private readonly onAuthLost: (reason: string) => void,
  ) {}

  refreshAll(): void {
    this.refresh(ALL);
  }

  /** Which documents a change event makes stale. */
  onChange(change: ChangeEvent): void {
    const keys = new Set<DocKey>();
    if (change.clusters) ['clusters', 'networkz', 'services', 'service'].forEach((k) => keys.add(k as DocKey));
    if (change.topology) ['networkz', 'service', 'clusters'].forEach((k) => keys.add(k as DocKey));
    if (change.mesh) ['mesh', 'networkz'].forEach((k) => keys.add(k as DocKey));
    if (change.proxies) keys.add('proxies');
    if (change.allServices || change.services.length > 0) keys.add('services');
    if (change.allServices || (this.selection.host !== undefined && change.services.includes(this.selection.host))) keys.add('service');
    if (keys.size > 0) this.refresh([...keys]);
  }

  select(selection: Selection): void {
    const serviceChanged = selection.host !== this.selection.host || selection.port !== this.selection.port;
    this.selection = selection;
    if (serviceChanged) {
      delete this.data.service;
      this.errors.delete('service');
      if (selection.host !== undefined) this.refresh(['service']);
    }
    this.onUpdate();
  }

  get behind(): boolean {
    return this.pendingSince !== undefined || this.errors.size > 0;
  }

  refresh(keys: readonly DocKey[]): void {
    this.pendingSince ??= Date.now();
    for (const k of keys) {
      if (this.inFlight.has(k)) {
        this.again.add(k);
        continue;
      }
      void this.fetchDoc(k);
    }
  }

  private async fetchDoc(key: DocKey): Promise<void> {
    this.inFlight.add(key);
    try {
      const error = await this.load(key);
      if (error === 'auth') return;
      if (error) this.errors.set(key, error);
      else this.errors.delete(key);
    } finally {
      this.inFlight.delete(key);
    }
    if (this.again.delete(key)) {
      void this.fetchDoc(key);
      return;
    }
    // The service is read once per network: a network appearing or going means reading it again.
    if (key !== 'service' && this.selection.host !== undefined && this.data.service && !sameKeys(this.networks(), [...this.data.service.byNetwork.keys()])) {
      this.refresh(['service']);
    }
    if (this.inFlight.size === 0 && this.errors.size === 0) {
      this.pendingSince = undefined;
      this.updatedAt = new Date();
    }
    this.onUpdate();
  }

  /** Fetches one document into `data`; returns an error sentence, 'auth', or undefined. */
  private async load(key: DocKey): Promise<string | 'auth' | undefined> {
    const take = <T>(r: Fetched<T>, set: (v: T) => void, what: string): string | 'auth' | undefined => {
      if (r.ok) {
        set(r.value);
        return undefined;
      }
      if (r.kind === 'auth') {
        this.onAuthLost(r.error);
        return 'auth';
      }
      return `${what}: ${r.error}`;
    };
    switch (key) {
      case 'clusters':
        return take(await getJson<ClusterzEntry[]>('debug/clusterz'), (v) => (this.data.clusters = v), '/debug/clusterz');
      case 'networkz':
        return take(await getJson<Networkz>('debug/networkz'), (v) => (this.data.networkz = v), '/debug/networkz');
      case 'services':
        return take(await getJson<RegistryzService[]>('debug/registryz'), (v) => (this.data.services = v), '/debug/registryz');
      case 'proxies':
        return take(await getJson<SynczEntry[]>('debug/syncz'), (v) => (this.data.proxies = v), '/debug/syncz');
      case 'mesh':
        return take(await getJson<MeshView>('debug/mesh'), (v) => (this.data.mesh = v), '/debug/mesh');
      case 'service':
        return this.loadService();
    }
  }

  /** The selected service as a caller on every known network receives it. */
  private async loadService(): Promise<string | 'auth' | undefined> {
    const { host, port } = this.selection;
    if (host === undefined || port === undefined) return undefined;
    const networks = this.networks();
    const results = await Promise.all(networks.map(async (network) => [network, await getJson<NetworkEdsz>(edszPath(network, host, port))] as const));
    if (this.selection.host !== host || this.selection.port !== port) return undefined; // selection moved on
    const byNetwork: ServiceViews['byNetwork'] = new Map();
    for (const [network, r] of results) {
      if (!r.ok && r.kind === 'auth') {
        this.onAuthLost(r.error);
        return 'auth';
      }
      byNetwork.set(network, r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error });
    }
    this.data.service = { host, port, byNetwork };
    const failures = [...byNetwork.values()].filter((v) => !v.ok);
    // A service that is gone is an answer (shown in its panel), not a reason to say the page is behind.
    return failures.length > 0 && failures.every((f) => !f.ok && !/^no service|has no port/.test(f.error)) ? `service views: ${(failures[0] as { error: string }).error}` : undefined;
  }

  networks(): string[] {
    const { clusters, networkz, proxies } = this.data;
    if (!clusters || !networkz) return [];
    return networksOf({ clusters, networkz, proxies: proxies ?? [] }).filter((n) => n !== '');
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export function edszPath(network: string, host: string, port: number): string {
  return query('debug/edsz', { network, host, port });
}
