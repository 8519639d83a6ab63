// meshNetworks (istiod's format) parsed and validated, every problem reported with its line and column.
//
//   networks:
//     network1:
//       endpoints: [{fromRegistry: cluster1}, {fromCidr: 10.10.0.0/16}]
//       gateways: [{address: 192.0.2.10, port: 15443}, {registryServiceName: <fqdn>, port: 15443}]
//
// istiod reads this through protojson, so the proto field names (from_registry, from_cidr,
// registry_service_name) are accepted next to the JSON names, and JSON text works as well as YAML.
// Unlike istiod (which ignores a bad CIDR with a log line), anything malformed rejects the whole
// document: a half-applied network map would silently route traffic to the wrong place.
import { isIP } from 'node:net';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseCidr } from '../topology/cidr.js';
import type { MeshNetwork, MeshNetworkEndpoints, MeshNetworkGateway, MeshNetworks } from './types.js';

export interface MeshNetworksIssue {
  /** 1-based; 0 when the position is unknown. */
  line: number;
  column: number;
  /** What the issue is about, e.g. `network "network2" gateway 0`; '' for the document itself. */
  context: string;
  reason: string;
  /** The full message: `<source>: line L, column C: <context>: <reason>`. */
  message: string;
}

export type MeshNetworksResult =
  | { ok: true; value: MeshNetworks; warnings: MeshNetworksIssue[] }
  | { ok: false; errors: MeshNetworksIssue[]; warnings: MeshNetworksIssue[] };

export interface ParseMeshNetworksOptions {
  /** Names the input in messages, e.g. `mesh networks file /etc/istio/meshNetworks.yaml`. */
  source?: string;
}

const NETWORK_FIELDS = { endpoints: 'endpoints', gateways: 'gateways' } as const;
const ENDPOINT_FIELDS: Record<string, 'fromRegistry' | 'fromCidr'> = {
  fromRegistry: 'fromRegistry',
  from_registry: 'fromRegistry',
  fromCidr: 'fromCidr',
  from_cidr: 'fromCidr',
};
const GATEWAY_FIELDS: Record<string, 'address' | 'registryServiceName' | 'port' | 'locality'> = {
  address: 'address',
  registryServiceName: 'registryServiceName',
  registry_service_name: 'registryServiceName',
  port: 'port',
  locality: 'locality',
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/i;

/** A DNS name as istiod's ValidateFQDN wants it: dot-separated RFC 1123 labels, at most 253 characters. */
export function isDnsName(name: string): boolean {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length === 0 || trimmed.length > 253) return false;
  return trimmed.split('.').every((label) => DNS_LABEL.test(label));
}

class IssueCollector {
  readonly errors: MeshNetworksIssue[] = [];
  readonly warnings: MeshNetworksIssue[] = [];
  constructor(
    private readonly source: string,
    private readonly lines: LineCounter,
  ) {}

  at(node: Node | Pair | null | undefined, fallback?: Node | null): { line: number; column: number } {
    const target = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : null;
    const range = target?.range ?? fallback?.range;
    if (!range) return { line: 0, column: 0 };
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }

  private make(where: { line: number; column: number }, context: string, reason: string): MeshNetworksIssue {
    const position = where.line > 0 ? `line ${where.line}, column ${where.column}: ` : '';
    const about = context ? `${context}: ` : '';
    return { ...where, context, reason, message: `${this.source}: ${position}${about}${reason}` };
  }

  error(node: Node | Pair | null | undefined, context: string, reason: string, fallback?: Node | null): void {
    this.errors.push(this.make(this.at(node, fallback), context, reason));
  }

  warning(node: Node | Pair | null | undefined, context: string, reason: string): void {
    this.warnings.push(this.make(this.at(node), context, reason));
  }

  rawError(line: number, column: number, reason: string): void {
    this.errors.push(this.make({ line, column }, '', reason));
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    return `${typeof v} ${JSON.stringify(v)}`;
  }
  return 'an unsupported value';
}

/** Parses and validates meshNetworks text; never throws. */
export function parseMeshNetworks(text: string, options: ParseMeshNetworksOptions = {}): MeshNetworksResult {
  const lines = new LineCounter();
  const issues = new IssueCollector(options.source ?? 'meshNetworks', lines);
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });

  for (const err of doc.errors) {
    const pos = err.linePos?.[0];
    // The yaml package's own message repeats the position and a code frame; keep its first line.
    const reason = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    issues.rawError(pos?.line ?? 0, pos?.col ?? 0, `YAML syntax: ${reason}`);
  }
  if (issues.errors.length > 0) return { ok: false, errors: issues.errors, warnings: issues.warnings };

  const root = doc.contents;
  const networks: MeshNetwork[] = [];
  // An empty document (or `networks:` with nothing under it) means "no networks", as in istiod.
  if (root === null || (isScalar(root) && root.value === null)) {
    return { ok: true, value: { networks }, warnings: issues.warnings };
  }
  if (!isMap(root)) {
    issues.error(root, '', `expected a map with a "networks" key, found ${describe(root)}`);
    return { ok: false, errors: issues.errors, warnings: issues.warnings };
  }

  let networksNode: unknown = undefined;
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key === 'networks') networksNode = pair.value;
    else if (key === 'meshNetworks') {
      issues.error(pair, '', 'unknown field "meshNetworks" (expected networks): give the value of the ConfigMap key meshNetworks, which starts with networks:');
    } else issues.error(pair, '', `unknown field ${JSON.stringify(key ?? String(pair.key))} (expected networks)`);
  }

  if (networksNode !== undefined && !(isScalar(networksNode) && networksNode.value === null)) {
    if (!isMap(networksNode)) {
      issues.error(networksNode as Node, '', `networks must be a map of network name to network, found ${describe(networksNode)}`);
    } else {
      for (const pair of networksNode.items) {
        const name = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof name !== 'string' || name === '') {
          issues.error(pair, '', 'network names must be non-empty strings');
          continue;
        }
        const network = parseNetwork(name, pair.value as Node | null, pair, issues);
        if (network) networks.push(network);
      }
    }
  }

  warnSharedRegistries(networks, networksNode, issues);
  if (issues.errors.length > 0) {
    // Report in document order, whatever order the checks ran in.
    const byPosition = (a: MeshNetworksIssue, b: MeshNetworksIssue) => a.line - b.line || a.column - b.column;
    return { ok: false, errors: issues.errors.sort(byPosition), warnings: issues.warnings };
  }
  return { ok: true, value: { networks }, warnings: issues.warnings };
}

function parseNetwork(name: string, node: Node | null, pair: Pair, issues: IssueCollector): MeshNetwork | undefined {
  const context = `network ${JSON.stringify(name)}`;
  const endpoints: MeshNetworkEndpoints[] = [];
  const gateways: MeshNetworkGateway[] = [];
  if (node === null || (isScalar(node) && node.value === null)) return { name, endpoints, gateways };
  if (!isMap(node)) {
    issues.error(node, context, `must be a map with endpoints and gateways, found ${describe(node)}`, pair.key as Node);
    return undefined;
  }
  for (const field of node.items) {
    const key = keyOf(field);
    const value = field.value as Node | null;
    if (key !== NETWORK_FIELDS.endpoints && key !== NETWORK_FIELDS.gateways) {
      issues.error(field, context, `unknown field ${JSON.stringify(key ?? String(field.key))} (expected endpoints, gateways)`);
      continue;
    }
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isSeq(value)) {
      issues.error(value, context, `${key} must be a list, found ${describe(value)}`);
      continue;
    }
    value.items.forEach((item, index) => {
      if (key === 'endpoints') {
        const ep = parseEndpoints(item as Node | null, `${context} endpoint ${index}`, value, issues);
        if (ep) endpoints.push(ep);
      } else {
        const gw = parseGateway(item as Node | null, `${context} gateway ${index}`, value, issues);
        if (gw) gateways.push(gw);
      }
    });
  }
  return { name, endpoints, gateways };
}

function stringField(value: Node | null, context: string, field: string, issues: IssueCollector, parent: Node): string | undefined {
  if (isScalar(value) && typeof value.value === 'string' && value.value !== '') return value.value;
  issues.error(value, context, `${field} must be a non-empty string, found ${describe(value)}`, parent);
  return undefined;
}

function entries<T extends string>(
  node: YAMLMap,
  fields: Record<string, T>,
  context: string,
  issues: IssueCollector,
): Map<T, { value: Node | null; pair: Pair }> {
  const out = new Map<T, { value: Node | null; pair: Pair }>();
  const expected = [...new Set(Object.values(fields))].join(', ');
  for (const pair of node.items) {
    const key = keyOf(pair);
    const field = key !== undefined && Object.hasOwn(fields, key) ? fields[key]! : undefined;
    if (!field) {
      issues.error(pair, context, `unknown field ${JSON.stringify(key ?? String(pair.key))} (expected ${expected})`);
      continue;
    }
    if (out.has(field)) {
      issues.error(pair, context, `${field} is given twice (${key} and its other spelling)`);
      continue;
    }
    out.set(field, { value: pair.value as Node | null, pair });
  }
  return out;
}

function parseEndpoints(node: Node | null, context: string, list: Node, issues: IssueCollector): MeshNetworkEndpoints | undefined {
  if (!isMap(node)) {
    issues.error(node, context, `must be a map with fromRegistry or fromCidr, found ${describe(node)}`, list);
    return undefined;
  }
  const fields = entries(node, ENDPOINT_FIELDS, context, issues);
  const registry = fields.get('fromRegistry');
  const cidr = fields.get('fromCidr');
  if (registry && cidr) {
    issues.error(node, context, 'has both fromRegistry and fromCidr; give exactly one');
    return undefined;
  }
  if (!registry && !cidr) {
    issues.error(node, context, 'needs exactly one of fromRegistry or fromCidr');
    return undefined;
  }
  if (registry) {
    const value = stringField(registry.value, context, 'fromRegistry', issues, node);
    return value === undefined ? undefined : { fromRegistry: value };
  }
  const text = stringField(cidr!.value, context, 'fromCidr', issues, node);
  if (text === undefined) return undefined;
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') {
    issues.error(cidr!.value, context, `fromCidr ${parsed}`);
    return undefined;
  }
  return { fromCidr: text };
}

function parsePort(value: Node | null, context: string, issues: IssueCollector, parent: Node): number | undefined {
  // protojson accepts a uint32 as a number or a decimal string; so do we.
  const raw = isScalar(value) ? value.value : undefined;
  const port = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    issues.error(value, context, `port must be 1-65535, found ${describe(value)}`, parent);
    return undefined;
  }
  return port;
}

function parseGateway(node: Node | null, context: string, list: Node, issues: IssueCollector): MeshNetworkGateway | undefined {
  if (!isMap(node)) {
    issues.error(node, context, `must be a map with address or registryServiceName, and port; found ${describe(node)}`, list);
    return undefined;
  }
  const before = issues.errors.length;
  const fields = entries(node, GATEWAY_FIELDS, context, issues);
  const address = fields.get('address');
  const service = fields.get('registryServiceName');
  const portField = fields.get('port');
  const localityField = fields.get('locality');

  if (address && service) issues.error(node, context, 'has both address and registryServiceName; give exactly one');
  else if (!address && !service) issues.error(node, context, 'needs an address or a registryServiceName');

  let addressValue: string | undefined;
  if (address && !service) {
    addressValue = stringField(address.value, context, 'address', issues, node);
    if (addressValue !== undefined && isIP(addressValue) === 0 && !isDnsName(addressValue)) {
      issues.error(address.value, context, `address ${JSON.stringify(addressValue)} is not an IP address or a DNS name`);
    }
  }
  let serviceValue: string | undefined;
  if (service && !address) {
    serviceValue = stringField(service.value, context, 'registryServiceName', issues, node);
    if (serviceValue !== undefined && !isDnsName(serviceValue)) {
      issues.error(service.value, context, `registryServiceName ${JSON.stringify(serviceValue)} is not a fully qualified service name`);
    }
  }
  let port: number | undefined;
  if (!portField) issues.error(node, context, 'port is required (1-65535)');
  else port = parsePort(portField.value, context, issues, node);

  let locality: string | undefined;
  if (localityField) locality = stringField(localityField.value, context, 'locality', issues, node);

  if (issues.errors.length > before || port === undefined) return undefined;
  const extra = locality !== undefined ? { locality } : {};
  if (addressValue !== undefined) return { address: addressValue, port, ...extra };
  return { registryServiceName: serviceValue!, port, ...extra };
}

/** istiod lets the first network listing a cluster in fromRegistry win; say so when it happens. */
function warnSharedRegistries(networks: readonly MeshNetwork[], networksNode: unknown, issues: IssueCollector): void {
  const owner = new Map<string, string>();
  for (const network of networks) {
    for (const ep of network.endpoints) {
      if (!('fromRegistry' in ep)) continue;
      const first = owner.get(ep.fromRegistry);
      if (first === undefined) owner.set(ep.fromRegistry, network.name);
      else if (first !== network.name) {
        const pair = isMap(networksNode) ? networksNode.items.find((p) => isScalar(p.key) && p.key.value === network.name) : undefined;
        issues.warning(
          pair,
          `network ${JSON.stringify(network.name)}`,
          `fromRegistry ${JSON.stringify(ep.fromRegistry)} is already claimed by network ${JSON.stringify(first)}; the first one wins`,
        );
      }
    }
  }
}
