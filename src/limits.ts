// Every size that a client, a Secret or a document decides, bounded in one place. Defaults leave room
// for large real meshes (bench S2 runs 2,000 streams from one loopback address) while keeping a
// single hostile input from costing more than a few megabytes or a few hundred milliseconds.
// Each limit has a `horizon serve` flag; hitting one is an error to that client or document, a
// metric, and a summarised log line, never a crash.

export interface Limits {
  /** Resource names one xDS stream may subscribe to, over all its types. */
  namesPerStream: number;
  /** Concurrent gRPC streams on one HTTP/2 connection. */
  streamsPerConnection: number;
  /** Concurrent xDS streams from one client IP address, over all its connections. */
  streamsPerClientAddress: number;
  /**
   * Resource names subscribed from one client IP address, over all its streams: without it, one address
   * could hold streamsPerClientAddress x namesPerStream names (each costs the server memory).
   */
  namesPerClientAddress: number;
  /** Bytes of one xDS request message. */
  requestBytes: number;
  /** Bytes of a node's metadata (Struct, encoded) in its first request. */
  nodeMetadataBytes: number;
  /** Bytes of a meshNetworks document (file or ConfigMap key). */
  meshNetworksBytes: number;
  /** Networks in a meshNetworks document. */
  meshNetworksNetworks: number;
  /** Bytes of a mesh config document (file or ConfigMap key `mesh`). */
  meshConfigBytes: number;
  /** Data keys (clusters) in one remote-cluster Secret. */
  secretKeys: number;
  /** Bytes of one kubeconfig in a remote-cluster Secret. */
  kubeconfigBytes: number;
}

export const defaultLimits: Readonly<Limits> = Object.freeze({
  namesPerStream: 20_000,
  streamsPerConnection: 1_000,
  streamsPerClientAddress: 10_000,
  namesPerClientAddress: 500_000,
  requestBytes: 4 * 1024 * 1024,
  nodeMetadataBytes: 64 * 1024,
  meshNetworksBytes: 1024 * 1024,
  meshNetworksNetworks: 10_000,
  meshConfigBytes: 1024 * 1024,
  secretKeys: 100,
  kubeconfigBytes: 256 * 1024,
});

/** What each limit is called in errors, logs, metrics (`limit` label) and flags (`--max-<flag>`). */
export const limitNames: Readonly<Record<keyof Limits, { flag: string; what: string }>> = Object.freeze({
  namesPerStream: { flag: 'names-per-stream', what: 'resource names per xDS stream' },
  streamsPerConnection: { flag: 'streams-per-connection', what: 'concurrent streams per HTTP/2 connection' },
  streamsPerClientAddress: { flag: 'streams-per-client-address', what: 'concurrent xDS streams per client address' },
  namesPerClientAddress: { flag: 'names-per-client-address', what: 'resource names subscribed per client address, over all its streams' },
  requestBytes: { flag: 'request-bytes', what: 'bytes per xDS request' },
  nodeMetadataBytes: { flag: 'node-metadata-bytes', what: 'bytes of node metadata' },
  meshNetworksBytes: { flag: 'mesh-networks-bytes', what: 'bytes of a meshNetworks document' },
  meshNetworksNetworks: { flag: 'mesh-networks-networks', what: 'networks in a meshNetworks document' },
  meshConfigBytes: { flag: 'mesh-config-bytes', what: 'bytes of a mesh config document' },
  secretKeys: { flag: 'secret-keys', what: 'clusters (data keys) per remote Secret' },
  kubeconfigBytes: { flag: 'kubeconfig-bytes', what: 'bytes per remote kubeconfig' },
});

/** The defaults with the given overrides; a non-positive or non-integer override is refused. */
export function resolveLimits(overrides: Partial<Limits> = {}): Readonly<Limits> {
  const limits: Limits = { ...defaultLimits };
  for (const key of Object.keys(overrides) as Array<keyof Limits>) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!(key in defaultLimits)) throw new Error(`unknown limit "${String(key)}"`);
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`limit --max-${limitNames[key].flag} must be a positive integer, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return Object.freeze(limits);
}

/** The message a client or a log sees when it hits a limit: names the limit, the value and the flag. */
export function limitExceeded(key: keyof Limits, limit: number, actual?: number): string {
  const { flag, what } = limitNames[key];
  const got = actual === undefined ? '' : ` (got ${actual})`;
  return `limit exceeded: at most ${limit} ${what}${got}; raise it with --max-${flag}`;
}
