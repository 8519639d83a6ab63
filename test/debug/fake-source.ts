// A DebugSource that is plain data: the debug API needs nothing else, so views and the HTTP server can be
// tested without a Horizon (and with inputs no real client could produce yet).
import type { DebugSource } from '../../src/debug/index.js';
import { emptyMeshNetworks } from '../../src/mesh-networks/index.js';
import { LOCALITY_LB_OFF } from '../../src/split-horizon/index.js';
import type { ConnectionSnapshot } from '../../src/xds/server/snapshot.js';
import { parseNode, type DecodedNode, type XdsNode } from '../../src/xds/xds-node.js';

export interface FakeParts {
  connections?: ConnectionSnapshot[];
  hostnames?: string[];
}

export function fakeSource(parts: FakeParts = {}, overrides: Partial<{ [K in keyof DebugSource]: Partial<DebugSource[K]> }> = {}): DebugSource {
  const base: DebugSource = {
    mesh: {
      domain: 'cluster.local',
      hostnames: () => parts.hostnames ?? [],
      serviceInstances: () => [],
      endpoints: () => [],
      networkOf: () => ({ network: '', source: 'unknown' }),
      topology: () => ({ gateways: [], problems: [], unresolvedHostnames: [] }),
      meshNetworks: () => ({ effective: emptyMeshNetworks, overridden: [], sources: [] }),
      meshConfig: () => ({ localityLbSetting: undefined, from: 'default', sources: [] }),
    },
    config: {
      destinationRules: () => [],
      virtualServices: () => [],
      destinationRuleChoice: () => ({ rule: undefined, shadowed: [] }),
      virtualServiceChoice: () => ({ rule: undefined, shadowed: [] }),
      routeProblems: () => [],
      refused: () => [],
      localityLb: () => LOCALITY_LB_OFF,
    },
    resources: {
      clusterNames: () => [],
      explainAssignment: () => undefined,
      generateUncached: () => [],
    },
    xds: { connections: () => parts.connections ?? [], version: () => 'test' },
    clusters: { statuses: () => [], remoteSecrets: () => [] },
    readiness: () => ({ ready: true, reasons: [] }),
    // Nothing ever changes in plain data.
    onChange: () => () => {},
  };
  return {
    mesh: { ...base.mesh, ...overrides.mesh },
    config: { ...base.config, ...overrides.config },
    resources: { ...base.resources, ...overrides.resources },
    xds: { ...base.xds, ...overrides.xds },
    clusters: { ...base.clusters, ...overrides.clusters },
    readiness: overrides.readiness ? (overrides.readiness as DebugSource['readiness']) : base.readiness,
    onChange: overrides.onChange ? (overrides.onChange as DebugSource['onChange']) : base.onChange,
  };
}

/** A connected stream as the xDS server would snapshot it. */
export function connection(id: string, node: DecodedNode, extra: Partial<ConnectionSnapshot> = {}): ConnectionSnapshot {
  const parsed: XdsNode = parseNode(node);
  return { id, kind: 'sotw', node: parsed, peer: '127.0.0.1:40000', connectedAt: '2026-01-01T00:00:00.000Z', types: [], unknownTypes: [], blocked: false, ...extra };
}
