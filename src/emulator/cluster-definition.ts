// Cluster folders: clusters/<set>/<clusterID>/cluster.yaml (what the cluster is) plus any number of
// manifest files (what is in it). Everything is validated before a server starts; errors name the
// file and the field.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { cidrsOverlap, isLoopbackCidr, parseCidr, parseIPv4, type Cidr } from './ip-pool.js';
import { labelKeyError, labelValueError } from './label-selector.js';
import { isPlainObject } from './merge-patch.js';
import type { KObject } from './k8s-object.js';

export interface NodeDefinition {
  name: string;
  /** The node's InternalIP address. */
  internalIP: string;
  labels: Record<string, string>;
}

export interface ManifestObject {
  /** Where it came from, for messages: `file.yaml#2`. */
  source: string;
  object: KObject;
}

export interface ClusterDefinition {
  clusterID: string;
  network: string;
  podCIDR: string;
  serviceCIDR: string;
  loadBalancerPool: string;
  /**
   * The pod CIDR of this cluster on a real control plane when podCIDR is a loopback range: a real
   * kube-apiserver refuses loopback addresses in EndpointSlices (127.0.0.0/8), which the emulator
   * accepts so that `npm start` can bind pod addresses without root. Absent: podCIDR everywhere.
   */
  routablePodCIDR?: string;
  nodes: NodeDefinition[];
  /** Fixed API port; 0 or absent = any free port. */
  apiPort?: number;
  /** Bearer token; generated randomly when absent. */
  token?: string;
  /** Grace period of pod deletions that ask for none (default 0: pods go at once). */
  podDeletionGracePeriodSeconds?: number;
  /** gitVersion reported by /version (default v1.30.4). */
  kubernetesVersion?: string;
  manifests: ManifestObject[];
  /** The folder it was loaded from, if any. */
  dir?: string;
}

export const clusterFileName = 'cluster.yaml';

const knownFields = ['clusterID', 'network', 'podCIDR', 'serviceCIDR', 'loadBalancerPool', 'routablePodCIDR', 'nodes', 'apiPort', 'token', 'podDeletionGracePeriodSeconds', 'kubernetesVersion'];
const idRe = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/i;

export class ClusterDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterDefinitionError';
  }
}

/**
 * Validates the fields of a cluster definition (from cluster.yaml or built in code) and returns a
 * normalized copy. `where` names the source in messages.
 */
export function validateClusterDefinition(raw: unknown, where: string): Omit<ClusterDefinition, 'manifests' | 'dir'> {
  const fail = (field: string, why: string): never => {
    throw new ClusterDefinitionError(`${where}: field "${field}": ${why}`);
  };
  if (!isPlainObject(raw)) throw new ClusterDefinitionError(`${where}: expected a mapping with clusterID, network, podCIDR, serviceCIDR, loadBalancerPool and nodes`);
  for (const k of Object.keys(raw)) if (!knownFields.includes(k)) fail(k, `unknown field (known fields: ${knownFields.join(', ')})`);
  const str = (field: string): string => {
    const v = raw[field];
    if (typeof v !== 'string' || v.trim() === '') fail(field, 'required, a non-empty string');
    return (v as string).trim();
  };
  const clusterID = str('clusterID');
  if (!idRe.test(clusterID) || clusterID.length > 63) fail('clusterID', `${JSON.stringify(clusterID)} must be letters, digits, '-', '_' or '.' (at most 63)`);
  const network = str('network');
  const cidrs: Array<[string, Cidr]> = [];
  for (const field of ['podCIDR', 'serviceCIDR', 'loadBalancerPool']) {
    const c = parseCidr(str(field));
    if (typeof c === 'string') fail(field, c);
    cidrs.push([field, c as Cidr]);
  }
  if (raw.routablePodCIDR !== undefined) {
    const c = parseCidr(str('routablePodCIDR'));
    if (typeof c === 'string') fail('routablePodCIDR', c);
    if (isLoopbackCidr(c as Cidr)) fail('routablePodCIDR', `${(c as Cidr).text} is a loopback range, which is what this field exists to avoid`);
    cidrs.push(['routablePodCIDR', c as Cidr]);
  }
  for (let i = 0; i < cidrs.length; i++) {
    for (let j = i + 1; j < cidrs.length; j++) {
      if (cidrsOverlap(cidrs[i]![1], cidrs[j]![1])) fail(cidrs[j]![0], `${cidrs[j]![1].text} overlaps ${cidrs[i]![0]} ${cidrs[i]![1].text}`);
    }
  }
  const rawNodes = raw.nodes;
  if (!Array.isArray(rawNodes) || rawNodes.length === 0) fail('nodes', 'required, a list of at least one node {name, internalIP, labels}');
  const nodes: NodeDefinition[] = [];
  const names = new Set<string>();
  (rawNodes as unknown[]).forEach((n, i) => {
    const f = `nodes[${i}]`;
    if (!isPlainObject(n)) fail(f, 'must be a mapping with name, internalIP and labels');
    const node = n as Record<string, unknown>;
    for (const k of Object.keys(node)) if (!['name', 'internalIP', 'labels'].includes(k)) fail(`${f}.${k}`, 'unknown field (known: name, internalIP, labels)');
    if (typeof node.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(node.name)) fail(`${f}.name`, 'required, a lowercase DNS name');
    if (names.has(node.name as string)) fail(`${f}.name`, `duplicate node name ${JSON.stringify(node.name)}`);
    names.add(node.name as string);
    if (typeof node.internalIP !== 'string' || parseIPv4(node.internalIP) === undefined) fail(`${f}.internalIP`, 'required, an IPv4 address');
    const labels: Record<string, string> = {};
    if (node.labels !== undefined) {
      if (!isPlainObject(node.labels)) fail(`${f}.labels`, 'must be a mapping of label keys to string values');
      for (const [k, v] of Object.entries(node.labels as Record<string, unknown>)) {
        const ke = labelKeyError(k);
        if (ke) fail(`${f}.labels`, `key ${JSON.stringify(k)}: ${ke}`);
        if (typeof v !== 'string') fail(`${f}.labels.${k}`, 'must be a string (quote numbers)');
        const ve = labelValueError(v as string);
        if (ve) fail(`${f}.labels.${k}`, ve);
        labels[k] = v as string;
      }
    }
    nodes.push({ name: node.name as string, internalIP: node.internalIP as string, labels });
  });
  const out: Omit<ClusterDefinition, 'manifests' | 'dir'> = {
    clusterID,
    network,
    podCIDR: cidrs[0]![1].text,
    serviceCIDR: cidrs[1]![1].text,
    loadBalancerPool: cidrs[2]![1].text,
    ...(cidrs[3] ? { routablePodCIDR: cidrs[3][1].text } : {}),
    nodes,
  };
  if (raw.apiPort !== undefined && raw.apiPort !== null) {
    const p = raw.apiPort;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 65535) fail('apiPort', 'must be a port number (0 = any free port)');
    out.apiPort = p as number;
  }
  if (raw.token !== undefined && raw.token !== null) {
    if (typeof raw.token !== 'string' || !/^[\x21-\x7e]{8,}$/.test(raw.token)) fail('token', 'must be at least 8 printable characters without spaces');
    out.token = raw.token as string;
  }
  if (raw.podDeletionGracePeriodSeconds !== undefined) {
    const g = raw.podDeletionGracePeriodSeconds;
    if (typeof g !== 'number' || !(g >= 0)) fail('podDeletionGracePeriodSeconds', 'must be a number of seconds >= 0');
    out.podDeletionGracePeriodSeconds = g as number;
  }
  if (raw.kubernetesVersion !== undefined) {
    if (typeof raw.kubernetesVersion !== 'string' || !/^v1\.\d+\.\d+$/.test(raw.kubernetesVersion)) fail('kubernetesVersion', 'must look like v1.30.4');
    out.kubernetesVersion = raw.kubernetesVersion as string;
  }
  return out;
}

/** Parses the manifest documents of one file (multi-document YAML, `kind: List` expanded). */
export function parseManifests(text: string, file: string): ManifestObject[] {
  const out: ManifestObject[] = [];
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const where = `${file} (document ${i + 1})`;
    if (doc.errors.length > 0) throw new ClusterDefinitionError(`${where}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const push = (v: unknown, w: string): void => {
      if (!isPlainObject(v)) throw new ClusterDefinitionError(`${w}: expected a Kubernetes object (a mapping with apiVersion, kind, metadata)`);
      if (typeof v.apiVersion !== 'string' || v.apiVersion === '') throw new ClusterDefinitionError(`${w}: field "apiVersion" is required`);
      if (typeof v.kind !== 'string' || v.kind === '') throw new ClusterDefinitionError(`${w}: field "kind" is required`);
      if (v.kind === 'List') {
        if (!Array.isArray(v.items)) throw new ClusterDefinitionError(`${w}: a List needs "items"`);
        v.items.forEach((item, j) => push(item, `${w} items[${j}]`));
        return;
      }
      if (!isPlainObject(v.metadata) || typeof v.metadata.name !== 'string' || v.metadata.name === '') {
        throw new ClusterDefinitionError(`${w}: ${v.kind} needs metadata.name`);
      }
      out.push({ source: w, object: v as unknown as KObject });
    };
    push(value, where);
  });
  return out;
}

/** Reads cluster.yaml and every other *.yaml / *.yml file of a cluster folder (in name order). */
export async function loadClusterFolder(dir: string): Promise<ClusterDefinition> {
  const clusterFile = path.join(dir, clusterFileName);
  let text: string;
  try {
    text = await readFile(clusterFile, 'utf8');
  } catch (err) {
    throw new ClusterDefinitionError(`${clusterFile}: cannot read: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: false });
  } catch (err) {
    throw new ClusterDefinitionError(`${clusterFile}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const def = validateClusterDefinition(raw, clusterFile);
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f) && f !== clusterFileName).sort();
  const manifests: ManifestObject[] = [];
  for (const f of files) {
    const p = path.join(dir, f);
    if (!(await stat(p)).isFile()) continue;
    manifests.push(...parseManifests(await readFile(p, 'utf8'), p));
  }
  return { ...def, manifests, dir };
}

/** The cluster folders of a set: every subfolder holding a cluster.yaml, in name order. */
export async function findClusterFolders(setDir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(setDir)).sort();
  } catch (err) {
    throw new ClusterDefinitionError(`${setDir}: cannot read the cluster set folder: ${(err as Error).message}`);
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(setDir, e);
    try {
      if ((await stat(p)).isDirectory() && (await stat(path.join(p, clusterFileName))).isFile()) out.push(p);
    } catch {
      // not a cluster folder
    }
  }
  return out;
}

/** Every cluster definition of a set folder (clusters/<set>/), in folder-name order. */
export async function loadClusterSet(setDir: string): Promise<ClusterDefinition[]> {
  const folders = await findClusterFolders(setDir);
  if (folders.length === 0) throw new ClusterDefinitionError(`${setDir}: no cluster folders (subfolders with a cluster.yaml) found`);
  const defs: ClusterDefinition[] = [];
  for (const f of folders) defs.push(await loadClusterFolder(f));
  return defs;
}
