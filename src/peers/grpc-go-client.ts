// Runs tools/grpc-go-client (grpc-go's own xDS client) against an xDS server: N helloworld calls with
// per-backend counts, or a dump of the xDS resources it holds (from grpc-go's CSDS, with the
// ClusterLoadAssignments decoded). Each run is a process with its own bootstrap, as a real client is.
import { run } from '../util/run-command.js';
import type { DecodedClusterLoadAssignment, HealthStatusName } from '../xds/resources/index.js';
import type { PeerBinaries } from './peer-binaries.js';

export interface GrpcGoNode {
  id: string;
  /** xDS node metadata: NETWORK, GENERATOR (grpc for istiod's proxyless generator), NAMESPACE, ... */
  metadata: Readonly<Record<string, string>>;
  locality?: { region?: string; zone?: string; sub_zone?: string };
}

export interface GrpcGoRun {
  binaries: PeerBinaries;
  /** `host:port` of the xDS server. */
  server: string;
  node: GrpcGoNode;
  timeoutMs?: number;
}

export interface GrpcGoCalls {
  target: string;
  calls: number;
  ok: number;
  /** Reply text (it names the pod) -> calls. */
  byReply: Record<string, number>;
  /** Address the call went to (pod or gateway) -> calls. */
  byPeer: Record<string, number>;
  /** `CODE: message` -> calls. */
  errors: Record<string, number>;
}

export interface GrpcGoResource {
  typeUrl: string;
  name: string;
  /** CSDS client status: ACKED, NACKED, REQUESTED, DOES_NOT_EXIST, ... */
  status: string;
  version?: string;
  /** The client's reason for a NACK. */
  error?: string;
  /** ClusterLoadAssignments only, as Horizon's decoder shapes them. */
  assignment?: DecodedClusterLoadAssignment;
}

/** The bootstrap grpc-go reads from GRPC_XDS_BOOTSTRAP_CONFIG: one plaintext xDS server, the node. */
export function grpcGoBootstrap(server: string, node: GrpcGoNode): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: server, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: { id: node.id, locality: node.locality ?? {}, metadata: node.metadata },
  });
}

async function runClient(r: GrpcGoRun, args: string[]): Promise<unknown> {
  const timeoutMs = r.timeoutMs ?? 30_000;
  // Only this bootstrap: a GRPC_XDS_BOOTSTRAP file in our own environment would take precedence.
  const { GRPC_XDS_BOOTSTRAP: _ignored, ...inherited } = process.env;
  const env = { ...inherited, GRPC_XDS_BOOTSTRAP_CONFIG: grpcGoBootstrap(r.server, r.node) };
  const res = await run(r.binaries.grpcGoClient, [...args, '--timeout', `${Math.max(1, Math.floor(timeoutMs / 1000) - 1)}s`], { env, timeoutMs });
  if (res.code !== 0) throw new Error(`grpc-go-xds-client ${args.join(' ')} (node ${r.node.id}, server ${r.server}) failed (${res.code}): ${res.stderr.trim()}${res.stdout ? `\n${res.stdout.slice(0, 2000)}` : ''}`);
  return JSON.parse(res.stdout) as unknown;
}

/** N calls one after another; each waits for a ready endpoint up to callTimeoutMs (default 5 s). */
export async function grpcGoCalls(r: GrpcGoRun & { target: string; calls: number; callTimeoutMs?: number }): Promise<GrpcGoCalls> {
  return (await runClient(r, ['calls', '--target', r.target, '--calls', String(r.calls), '--call-timeout', `${r.callTimeoutMs ?? 5000}ms`])) as GrpcGoCalls;
}

/** Resolves the targets and returns what the client holds once nothing is still requested. */
export async function grpcGoDump(r: GrpcGoRun & { targets: readonly string[] }): Promise<GrpcGoResource[]> {
  const out = (await runClient(r, ['dump', ...r.targets.flatMap((t) => ['--target', t])])) as { resources: Array<Omit<GrpcGoResource, 'assignment'> & { resource?: ProtoJsonCla }> };
  return out.resources.map(({ resource, ...rest }) => (resource ? { ...rest, assignment: claFromProtoJson(resource) } : rest));
}

interface ProtoJsonCla {
  clusterName?: string;
  endpoints?: Array<{
    locality?: { region?: string; zone?: string; subZone?: string };
    loadBalancingWeight?: number;
    priority?: number;
    lbEndpoints?: Array<{
      endpoint?: { address?: { socketAddress?: { address?: string; portValue?: number } } };
      healthStatus?: HealthStatusName;
      loadBalancingWeight?: number;
    }>;
  }>;
}

/** A ClusterLoadAssignment in proto3 JSON (as grpc-go's protojson prints it) in Horizon's decoded shape. */
export function claFromProtoJson(c: ProtoJsonCla): DecodedClusterLoadAssignment {
  return {
    clusterName: c.clusterName ?? '',
    endpoints: (c.endpoints ?? []).map((g) => ({
      locality: { region: g.locality?.region ?? '', zone: g.locality?.zone ?? '', subzone: g.locality?.subZone ?? '' },
      ...(g.loadBalancingWeight !== undefined ? { loadBalancingWeight: g.loadBalancingWeight } : {}),
      priority: g.priority ?? 0,
      lbEndpoints: (g.lbEndpoints ?? []).map((e) => ({
        address: e.endpoint?.address?.socketAddress?.address ?? '',
        port: e.endpoint?.address?.socketAddress?.portValue ?? 0,
        ...(e.loadBalancingWeight !== undefined ? { loadBalancingWeight: e.loadBalancingWeight } : {}),
        healthStatus: e.healthStatus ?? 'UNKNOWN',
      })),
    })),
  };
}
