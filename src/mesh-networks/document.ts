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
//
// The document decides its own size, so everything is bounded and linear in it: bytes and nesting
// before and while parsing (util/bounded-yaml.ts), the number of networks before any is read, duplicate
// keys found with a Set (not the yaml library's pairwise check), at most MAX_ISSUES issues spelled out
// (the rest counted), and what a message quotes of the document cut short.
import { isIP } from 'node:net';
import { isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { defaultLimits, limitExceeded, type Limits } from '../limits.js';
import { parseCidr } from '../topology/cidr.js';
import { parseBoundedYaml } from '../util/bounded-yaml.js';
import { quoteInput } from '../util/quote.js';
import type { MeshNetwork, MeshNetworkEndpoints, MeshNetworkGateway, MeshNetworks } from './types.js';

/** Nesting a document may have (a valid one has about ten levels in the parser's terms). */
const MAX_DEPTH = 64;
/** Errors (and, apart, warnings) spelled out; the rest are counted in one last issue. */
const MAX_ISSUES = 20;
/** Characters of a name or value from the document quoted in a message. */
const QUOTE_CHARS = 64;
const quote = (text: string) => quoteInput(text, QUOTE_CHARS);

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
  /** Bytes and networks a document may have (default: limits.ts). */
  limits?: Partial<Pick<Limits, 'meshNetworksBytes' | 'meshNetworksNetworks'>>;
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
  /** Issues past MAX_ISSUES: counted, not spelled out. */
  private moreErrors = 0;
  private moreWarnings = 0;
  constructor(
    private readonly source: string,
    private readonly lines: LineCounter | undefined,
  ) {}

  at(node: Node | Pair | null | undefined, fallback?: Node | null): { line: number; column: number } {
    const target = node && 'range' in node ? node : node && 'key' in node ? (node.key as Node | null) : null;
    const range = target?.range ?? fallback?.range;
    if (!range || !this.lines) return { line: 0, column: 0 };
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }

  private make(where: { line: number; column: number }, context: string, reason: string): MeshNetworksIssue {
    const position = where.line > 0 ? `line ${where.line}, column ${where.column}: ` : '';
    const about = context ? `${context}: ` : '';
    return { ...where, context, reason, message: `${this.source}: ${position}${about}${reason}` };
  }

  /** How many errors were found, spelled out or not. */
  get errorCount(): number {
    return this.errors.length + this.moreErrors;
  }

  error(node: Node | Pair | null | undefined, context: string, reason: string, fallback?: Node | null): void {
    if (this.errors.length >= MAX_ISSUES) this.moreErrors++;
    else this.errors.push(this.make(this.at(node, fallback), context, reason));
  }

  warning(node: Node | Pair | null | undefined, context: string, reason: string): void {
    if (this.warnings.length >= MAX_ISSUES) this.moreWarnings++;
    else this.warnings.push(this.make(this.at(node), context, reason));
  }

  rawError(line: number, column: number, reason: string): void {
    if (this.errors.length >= MAX_ISSUES) this.moreErrors++;
    else this.errors.push(this.make({ line, column }, '', reason));
  }

  /** The issues in document order, whatever order the checks ran in, then a count of those left out. */
  result(value: MeshNetworks | undefined): MeshNetworksResult {
    const byPosition = (a: MeshNetworksIssue, b: MeshNetworksIssue) => a.line - b.line || a.column - b.column;
    const warnings = [...this.warnings].sort(byPosition);
    if (this.moreWarnings > 0) warnings.push(this.make({ line: 0, column: 0 }, '', `and ${this.moreWarnings} more warnings`));
    if (this.errorCount === 0 && value) return { ok: true, value, warnings };
    const errors = [...this.errors].sort(byPosition);
    if (this.moreErrors > 0) errors.push(this.make({ line: 0, column: 0 }, '', `and ${this.moreErrors} more errors`));
    return { ok: false, errors, warnings };
  }
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

/** A key as a message names it (whatever the key is). */
function keyText(pair: Pair): string {
  const key = keyOf(pair);
  return key !== undefined ? quote(key) : isScalar(pair.key) ? quote(String(pair.key.value)) : describe(pair.key);
}

function describe(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a map';
  if (isSeq(node)) return 'a list';
  if (isAlias(node)) return `an alias (*${node.source.slice(0, QUOTE_CHARS)}): meshNetworks does not expand YAML aliases`;
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    return typeof v === 'string' ? `string ${quote(v)}` : `${typeof v} ${String(v).slice(0, QUOTE_CHARS)}`;
  }
  return 'an unsupported value';
}

/**
 * Reports keys given twice in one map (the yaml library's own check compares every pair of keys:
 * quadratic, and a document decides how many there are). Returns the pairs whose key was seen first.
 */
function uniquePairs(map: YAMLMap, issues: IssueCollector): Pair[] {
  const seen = new Map<unknown, Pair>();
  const out: Pair[] = [];
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    const first = seen.get(key);
    if (first) {
      const at = issues.at(first);
      issues.error(pair, '', `YAML syntax: Map keys must be unique (${keyText(pair)} is also at line ${at.line})`);
      continue;
    }
    seen.set(key, pair);
    out.push(pair);
  }
  return out;
}

/** Parses and validates meshNetworks text; never throws, and costs time and memory linear in the (bounded) text. */
export function parseMeshNetworks(text: string, options: ParseMeshNetworksOptions = {}): MeshNetworksResult {
  const source = options.source ?? 'meshNetworks';
  try {
    return parse(text, source, { ...pickLimits(defaultLimits), ...options.limits });
  } catch (err) {
    // A bug here must cost this document, never its caller.
    const reason = `could not be read: ${err instanceof Error ? err.message : String(err)}`;
    return { ok: false, errors: [{ line: 0, column: 0, context: '', reason, message: `${source}: ${reason}` }], warnings: [] };
  }
}

const pickLimits = (l: Readonly<Limits>) => ({ meshNetworksBytes: l.meshNetworksBytes, meshNetworksNetworks: l.meshNetworksNetworks });

function parse(text: string, source: string, limits: ReturnType<typeof pickLimits>): MeshNetworksResult {
  const read = parseBoundedYaml(text, { maxBytes: limits.meshNetworksBytes, maxDepth: MAX_DEPTH });
  if (!read.ok) {
    const issues = new IssueCollector(source, undefined);
    for (const p of read.problems) {
      const reason =
        p.kind === 'too-big'
          ? `refused before parsing: ${limitExceeded('meshNetworksBytes', limits.meshNetworksBytes, p.bytes)}`
          : p.kind === 'syntax'
            ? `YAML syntax: ${p.reason}`
            : p.reason;
      issues.rawError(p.line, p.column, reason);
    }
    return issues.result(undefined);
  }
  const issues = new IssueCollector(source, read.lines);
  const root = read.doc.contents;
  const networks: MeshNetwork[] = [];
  // An empty document (or `networks:` with nothing under it) means "no networks", as in istiod.
  if (root === null || (isScalar(root) && root.value === null)) return issues.result({ networks });
  if (!isMap(root)) {
    issues.error(root, '', `expected a map with a "networks" key, found ${describe(root)}`);
    return issues.result(undefined);
  }

  let networksNode: unknown = undefined;
  for (const pair of uniquePairs(root, issues)) {
    const key = keyOf(pair);
    if (key === 'networks') networksNode = pair.value;
    else if (key === 'meshNetworks') {
      issues.error(pair, '', 'unknown field "meshNetworks" (expected networks): give the value of the ConfigMap key meshNetworks, which starts with networks:');
    } else issues.error(pair, '', `unknown field ${keyText(pair)} (expected networks)`);
  }

  /** Where each network is named, for warnings about it. */
  const pairs = new Map<string, Pair>();
  if (networksNode !== undefined && !(isScalar(networksNode) && networksNode.value === null)) {
    if (!isMap(networksNode)) {
      issues.error(networksNode as Node, '', `networks must be a map of network name to network, found ${describe(networksNode)}`);
    } else if (networksNode.items.length > limits.meshNetworksNetworks) {
      // Refused before any network is read: a document may not decide how much work it costs.
      issues.error(networksNode, '', `networks: ${limitExceeded('meshNetworksNetworks', limits.meshNetworksNetworks, networksNode.items.length)}`);
    } else {
      for (const pair of uniquePairs(networksNode, issues)) {
        const name = isScalar(pair.key) ? pair.key.value : undefined;
        if (typeof name !== 'string' || name === '') {
          issues.error(pair, '', 'network names must be non-empty strings');
          continue;
        }
        const network = parseNetwork(name, pair.value as Node | null, pair, issues);
        if (network) {
          networks.push(network);
          pairs.set(name, pair);
        }
      }
    }
  }

  warnSharedRegistries(networks, pairs, issues);
  return issues.result({ networks });
}

function parseNetwork(name: string, node: Node | null, pair: Pair, issues: IssueCollector): MeshNetwork | undefined {
  const context = `network ${quote(name)}`;
  const endpoints: MeshNetworkEndpoints[] = [];
  const gateways: MeshNetworkGateway[] = [];
  if (node === null || (isScalar(node) && node.value === null)) return { name, endpoints, gateways };
  if (!isMap(node)) {
    issues.error(node, context, `must be a map with endpoints and gateways, found ${describe(node)}`, pair.key as Node);
    return undefined;
  }
  for (const field of uniquePairs(node, issues)) {
    const key = keyOf(field);
    const value = field.value as Node | null;
    if (key !== NETWORK_FIELDS.endpoints && key !== NETWORK_FIELDS.gateways) {
      issues.error(field, context, `unknown field ${keyText(field)} (expected endpoints, gateways)`);
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
  for (const pair of uniquePairs(node, issues)) {
    const key = keyOf(pair);
    const field = key !== undefined && Object.hasOwn(fields, key) ? fields[key]! : undefined;
    if (!field) {
      issues.error(pair, context, `unknown field ${keyText(pair)} (expected ${expected})`);
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
  // The longest CIDR (an IPv6 literal with an IPv4 tail, /128) is under 64 characters.
  const parsed = text.length <= QUOTE_CHARS ? parseCidr(text) : `${quote(text)} is not a valid CIDR block`;
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
      issues.error(address.value, context, `address ${quote(addressValue)} is not an IP address or a DNS name`);
    }
  }
  let serviceValue: string | undefined;
  if (service && !address) {
    serviceValue = stringField(service.value, context, 'registryServiceName', issues, node);
    if (serviceValue !== undefined && !isDnsName(serviceValue)) {
      issues.error(service.value, context, `registryServiceName ${quote(serviceValue)} is not a fully qualified service name`);
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
function warnSharedRegistries(networks: readonly MeshNetwork[], pairs: ReadonlyMap<string, Pair>, issues: IssueCollector): void {
  const owner = new Map<string, string>();
  for (const network of networks) {
    for (const ep of network.endpoints) {
      if (!('fromRegistry' in ep)) continue;
      const first = owner.get(ep.fromRegistry);
      if (first === undefined) owner.set(ep.fromRegistry, network.name);
      else if (first !== network.name) {
        issues.warning(
          pairs.get(network.name),
          `network ${quote(network.name)}`,
          `fromRegistry ${quote(ep.fromRegistry)} is already claimed by network ${quote(first)}; the first one wins`,
        );
      }
    }
  }
}
