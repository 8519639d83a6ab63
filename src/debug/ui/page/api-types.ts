// The debug JSON as the page reads it: only the fields it shows. These are the page's own types (the
// browser build cannot pull in the server's modules), and ../page-contract.ts makes the compiler
// prove that every server view still fits them, so the picture and the JSON cannot drift apart.

export interface ClusterzEntry {
  id: string;
  primary: boolean;
  origin: 'primary' | 'context' | 'secret';
  secretName?: string;
  secretNamespace?: string;
  secretKey?: string;
  server: string;
  syncStatus: 'syncing' | 'synced' | 'timeout' | 'closed' | 'refused';
  network?: string;
  stale: boolean;
  staleSince?: string;
  lastError?: string;
  rotation?: { state: 'syncing' | 'refused'; since: string; message: string };
}

export interface NetworkzGateway {
  network: string;
  cluster: string;
  address: string;
  port: number;
  source: string;
  origin: string;
  hostname?: string;
}

export interface TopologyProblem {
  severity: 'warning' | 'error';
  subject: string;
  message: string;
}

export interface Networkz {
  gateways: NetworkzGateway[];
  problems: TopologyProblem[];
  unresolvedHostnames: string[];
}

export interface RegistryzService {
  hostname: string;
  namespace: string;
  name: string;
  ports: { name: string; port: number; protocol: string }[];
  clusters: string[];
}

export interface SynczType {
  sentVersion?: string;
  ackedVersion?: string;
  lastNack?: { version: string; nonce: string; message: string; at: string };
  synced: boolean;
  pending: boolean;
  resources: number;
}

export interface SynczEntry {
  proxy: string;
  connectionId: string;
  network: string;
  types: Record<string, SynczType>;
}

export interface MeshView {
  meshNetworks: { networks: Record<string, unknown> };
  sources: { name: string; loaded: boolean; error?: string; warnings?: string[] }[];
}

export interface ExplainedEndpoint {
  endpoint: string;
  weight: number;
  localityWeight: number;
  locality: string;
  health: string;
  kind: 'direct' | 'gateway';
  via: string;
  network: string;
  cluster?: string;
  pod?: string;
  endpointCount?: number;
  gateway?: { address: string; port: number; cluster: string; source: string; origin: string; hostname?: string };
}

export interface LeftOutEndpoint {
  endpoint: string;
  network: string;
  cluster: string;
  pod?: string;
  reason: string;
  detail: string;
}

export interface NetworkShare {
  network: string;
  mode: 'direct' | 'gateway';
  endpoints: number;
  weight: number;
  share: string;
}

export interface ExplainedAssignment {
  clusterName: string;
  clusterLoadAssignment: Record<string, unknown>;
  encodeError?: string;
  endpoints: ExplainedEndpoint[];
  leftOut: LeftOutEndpoint[];
  explain: {
    callerNetwork: string;
    multiNetwork: boolean;
    capped: boolean;
    totalWeight: number;
    networks: readonly NetworkShare[];
    ignoredGateways: readonly { reason: string }[];
  };
}

export interface NetworkEdsz {
  view: { network: string };
  assignments: ExplainedAssignment[];
}

/** `data` of the event stream's `hello`. */
export interface HelloEvent {
  seq: number;
  windowMs: number;
  keepaliveMs: number;
}

/** `data` of the event stream's `change`. */
export interface ChangeEvent {
  seq: number;
  at: string;
  clusters: boolean;
  topology: boolean;
  mesh: boolean;
  proxies: boolean;
  services: string[];
  allServices: boolean;
}

/** Every error body of the debug API. */
export interface ErrorBody {
  error: string;
}
