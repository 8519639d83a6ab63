// A cluster's endpoints, joined from three kinds: EndpointSlices (addresses, ports, conditions), pods
// (labels, node) and nodes (locality labels). Slices are kept by the service they belong to; a change
// marks that service dirty, and dirty services are rebuilt once per batch. A pod or node change finds
// the services it feeds through reverse indexes (podRefs, nodeRefs), so a pod relabelled among 150k
// costs one service's rebuild, not a scan.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { SERVICE_NAME_LABEL } from '../../model/labels.js';
import type { ClusterId, EndpointRecord, Hostname, Locality } from '../../model/types.js';
import { localityKey } from '../../split-horizon/localities.js';
import type { ChangeBatch } from '../change-batch.js';
import { endpointsFromSlices, hostnameOf, type NodeFacts, type PodFacts } from '../convert.js';
import { RefIndex } from '../ref-index.js';
import type { SlimPod } from '../slim.js';
import { nsName, sameRecord } from './keys.js';

export interface EndpointLookups {
  pod(namespace: string, name: string): PodFacts | undefined;
  node(name: string): NodeFacts | undefined;
}

export class EndpointStore {
  private readonly slices = new Map<string, Map<string, V1EndpointSlice>>(); // service ns/name -> slice ns/name -> slice
  private readonly sliceOwner = new Map<string, string>(); // slice ns/name -> service ns/name
  private readonly podRefs = new RefIndex(); // pod (ns, name) -> services
  private readonly nodeRefs = new Map<string, Set<string>>(); // node name -> services
  private readonly localities = new Map<string, Locality>();
  private readonly byService = new Map<string, readonly EndpointRecord[]>();
  private readonly byHost = new Map<Hostname, readonly EndpointRecord[]>();
  private dirty = new Set<string>();
  private readonly lookup;

  constructor(
    private readonly cluster: ClusterId,
    private readonly domain: string,
    private readonly batch: ChangeBatch,
    lookups: EndpointLookups,
  ) {
    this.lookup = {
      pod: lookups.pod,
      node: lookups.node,
      // Thousands of endpoints share a few localities: one frozen copy of each.
      locality: (l: Locality) => {
        const k = localityKey(l);
        let shared = this.localities.get(k);
        if (!shared) this.localities.set(k, (shared = Object.freeze(l)));
        return shared;
      },
    };
  }

  /** Endpoints of a service by hostname. */
  ofHost(hostname: Hostname): readonly EndpointRecord[] | undefined {
    return this.byHost.get(hostname);
  }

  /** Every hostname that has endpoints, with or without a Service object. */
  hosts(): IterableIterator<Hostname> {
    return this.byHost.keys();
  }

  // ---- EndpointSlices --------------------------------------------------------------------------

  upsertSlice(slice: V1EndpointSlice): void {
    const sliceKey = nsName(slice);
    const svcName = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    const previousOwner = this.sliceOwner.get(sliceKey);
    if (previousOwner) {
      this.slices.get(previousOwner)?.delete(sliceKey);
      this.dirty.add(previousOwner);
    }
    if (!svcName) {
      this.sliceOwner.delete(sliceKey);
      this.batch.schedule();
      return;
    }
    const owner = `${slice.metadata?.namespace ?? ''}/${svcName}`;
    this.sliceOwner.set(sliceKey, owner);
    let bySlice = this.slices.get(owner);
    if (!bySlice) this.slices.set(owner, (bySlice = new Map()));
    bySlice.set(sliceKey, slice);
    this.dirty.add(owner);
    this.batch.schedule();
  }

  removeSlice(slice: V1EndpointSlice): void {
    const sliceKey = nsName(slice);
    const owner = this.sliceOwner.get(sliceKey);
    if (!owner) return;
    this.sliceOwner.delete(sliceKey);
    const bySlice = this.slices.get(owner);
    bySlice?.delete(sliceKey);
    if (bySlice && bySlice.size === 0) this.slices.delete(owner);
    this.dirty.add(owner);
    this.batch.schedule();
  }

  // ---- pods and nodes --------------------------------------------------------------------------

  upsertPod(pod: SlimPod, before: SlimPod | undefined): void {
    // Pods change status often; only what endpoints are built from matters.
    if (before && sameRecord(before.labels, pod.labels) && before.nodeName === pod.nodeName) return;
    this.removePod(pod);
  }

  removePod(pod: SlimPod): void {
    for (const svc of this.podRefs.get(pod.metadata.namespace, pod.metadata.name)) this.dirty.add(svc);
    this.batch.schedule();
  }

  /** A node's labels changed, or it went: its endpoints' localities may have. */
  nodeChanged(name: string): void {
    for (const svc of this.nodeRefs.get(name) ?? []) this.dirty.add(svc);
  }

  // ---- batch -----------------------------------------------------------------------------------

  /** Rebuilds the dirty services' endpoints and marks their hostnames changed. */
  rebuildDirty(): void {
    for (const key of this.dirty) {
      this.unindex(key);
      const bySlice = this.slices.get(key);
      const slash = key.indexOf('/');
      const ns = key.slice(0, slash);
      const eps = bySlice ? endpointsFromSlices(this.cluster, ns, bySlice.values(), this.lookup) : [];
      const host = hostnameOf(key.slice(slash + 1), ns, this.domain);
      if (eps.length === 0 && !bySlice) {
        this.byService.delete(key);
        this.byHost.delete(host);
      } else {
        this.byService.set(key, eps);
        this.byHost.set(host, eps);
      }
      this.index(key);
      this.batch.endpoints.add(host);
    }
    this.dirty = new Set();
  }

  /** podRefs/nodeRefs let a pod or node change find the services it feeds. */
  private index(key: string): void {
    for (const ep of this.byService.get(key) ?? []) {
      if (ep.podName) this.podRefs.add(ep.namespace, ep.podName, key);
      if (ep.nodeName) addRef(this.nodeRefs, ep.nodeName, key);
    }
  }

  private unindex(key: string): void {
    for (const ep of this.byService.get(key) ?? []) {
      if (ep.podName) this.podRefs.remove(ep.namespace, ep.podName, key);
      if (ep.nodeName) dropRef(this.nodeRefs, ep.nodeName, key);
    }
  }
}

function addRef(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) map.set(from, (set = new Set()));
  set.add(to);
}

function dropRef(map: Map<string, Set<string>>, from: string, to: string): void {
  const set = map.get(from);
  if (!set) return;
  set.delete(to);
  if (set.size === 0) map.delete(from);
}
