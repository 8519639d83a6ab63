// What the end-to-end suite expects, read from the clusters with kubectl (never from Horizon): the
// local helloworld endpoints and the remote network's gateway addresses.
import type { KubectlEnv } from '../../emulator/helpers.js';
import type { ClusterRef } from '../providers/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const getJson = async (k: KubectlEnv, args: string[]): Promise<Json> => JSON.parse((await k.run([...args, '-o', 'json'])).stdout) as Json;

/** `ip:port` of every ready endpoint of helloworld's port 5000 in a cluster (what a local caller gets). */
export async function helloworldEndpoints(k: KubectlEnv, c: ClusterRef): Promise<string[]> {
  const slices = await getJson(k, ['--context', c.context, 'get', 'endpointslices', '-n', 'sample', '-l', 'kubernetes.io/service-name=helloworld']);
  const out: string[] = [];
  for (const s of slices.items ?? []) {
    const port = ((s.ports ?? []) as Json[]).find((p) => p.port === 5000 || p.name === 'grpc' || p.name === 'http')?.port ?? 5000;
    for (const e of (s.endpoints ?? []) as Json[]) {
      if (e.conditions?.ready === false || e.conditions?.terminating === true) continue;
      for (const a of e.addresses ?? []) out.push(`${a}:${port}`);
    }
  }
  return out.sort();
}

/**
 * `address:port` of the east-west gateways of a cluster's network, as Services labelled
 * topology.istio.io/network publish them: load-balancer ingress or external IPs on the gateway port
 * (label networking.istio.io/gatewayPort, default 15443); without those, every node's address on
 * the node port (kind and k3s have no load balancer).
 */
export async function gatewayAddresses(k: KubectlEnv, c: ClusterRef): Promise<string[]> {
  const services = await getJson(k, ['--context', c.context, 'get', 'services', '-A', '-l', `topology.istio.io/network=${c.network}`]);
  const nodes = await getJson(k, ['--context', c.context, 'get', 'nodes']);
  const nodeAddresses = ((nodes.items ?? []) as Json[])
    .map((n) => {
      const addrs = (n.status?.addresses ?? []) as Json[];
      return (addrs.find((a) => a.type === 'ExternalIP') ?? addrs.find((a) => a.type === 'InternalIP'))?.address as string | undefined;
    })
    .filter((a): a is string => !!a);
  const out = new Set<string>();
  for (const svc of (services.items ?? []) as Json[]) {
    const gatewayPort = Number(svc.metadata?.labels?.['networking.istio.io/gatewayPort'] ?? 15443);
    const port = ((svc.spec?.ports ?? []) as Json[]).find((p) => p.port === gatewayPort);
    if (!port) continue;
    const external = [...((svc.status?.loadBalancer?.ingress ?? []) as Json[]).map((i) => i.ip ?? i.hostname), ...((svc.spec?.externalIPs ?? []) as string[])].filter(Boolean);
    if (external.length) for (const a of external) out.add(`${a}:${gatewayPort}`);
    else if (port.nodePort) for (const a of nodeAddresses) out.add(`${a}:${port.nodePort}`);
  }
  return [...out].sort();
}
