// `horizon endpoints <host>[:port] --network <name>`: what a caller on that network receives for a
// service, like `istioctl proxy-config endpoints`, but without a proxy: every endpoint with its weights,
// whether it is reached directly or through which network's gateway, and the endpoints left out and why.
// With locality load balancing (--locality, --labels: the caller's), each endpoint's priority, and the
// failover order: where the caller goes when every priority before has failed.
import { Command, Option } from 'commander';
import type { ExplainedAssignment, NetworkEdsz } from '../../debug/index.js';
import { addDebugClientOptions, debugGet, type DebugClientFlags } from '../debug-client.js';
import { formatTable } from '../table.js';

interface Flags extends DebugClientFlags {
  network: string;
  subset?: string;
  requestedNetworks?: string;
  locality?: string;
  labels?: string;
  clusterId?: string;
  output: 'table' | 'json';
}

export function registerEndpoints(program: Command): void {
  const command = program
    .command('endpoints')
    .description('show the endpoints a caller on a network receives for a service, and why (direct, via a gateway, left out)')
    .argument('<host>', 'service as name.namespace[:port] or its full hostname (without :port: every port)')
    .requiredOption('--network <name>', "the caller's network (its NETWORK node metadata)")
    .option('--subset <name>', 'a DestinationRule subset (default: the whole service)')
    .option('--requested-networks <a,b>', "the caller's REQUESTED_NETWORK_VIEW: only these networks")
    .option('--locality <region/zone[/subzone]>', "the caller's locality (locality load balancing orders endpoints by it)")
    .option('--labels <k=v,...>', "the caller's labels (its LABELS node metadata: what failoverPriority compares)")
    .option('--cluster-id <id>', "the caller's cluster (its CLUSTER_ID node metadata)")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addHelpText('after', '\nExample:\n  horizon endpoints helloworld.sample:5000 --network network1\n');
  addDebugClientOptions(command).action(async (host: string, flags: Flags) => {
    const result = await debugGet<NetworkEdsz>(flags, '/debug/edsz', {
      network: flags.network,
      host,
      subset: flags.subset ?? '',
      ...(flags.requestedNetworks ? { requestedNetworks: flags.requestedNetworks } : {}),
      ...(flags.locality ? { locality: flags.locality } : {}),
      ...(flags.labels ? { labels: flags.labels } : {}),
      ...(flags.clusterId ? { clusterId: flags.clusterId } : {}),
    });
    if (flags.output === 'json') {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    process.stdout.write(renderEndpoints(result));
  });
}

/** The text output: one block per cluster (port / subset). */
export function renderEndpoints(result: NetworkEdsz): string {
  const caller = result.view.network === '' ? 'a caller without a network' : `a caller on ${result.view.network}`;
  const facts = [
    ...(result.view.requestedNetworks ? [`requested networks: ${result.view.requestedNetworks.join(', ')}`] : []),
    ...(result.view.locality ? [`locality ${result.view.locality}`] : []),
    ...(result.view.labels ? [`labels ${Object.entries(result.view.labels).map(([k, v]) => `${k}=${v}`).join(',')}`] : []),
  ];
  const requested = facts.length > 0 ? ` (${facts.join('; ')})` : '';
  if (result.assignments.length === 0) return `no clusters match: nothing to show for ${caller}\n`;
  return result.assignments.map((a) => renderAssignment(a, caller + requested)).join('\n');
}

function renderAssignment(a: ExplainedAssignment, caller: string): string {
  let out = `${a.clusterName} as ${caller} receives it\n`;
  if (a.encodeError) out += `NOT SENT: the assignment cannot be encoded: ${a.encodeError}\n`;
  if (a.endpoints.length === 0) {
    out += 'no endpoints are sent (the caller gets an empty assignment)\n';
  } else {
    const rows = a.endpoints.map((e) => [
      e.endpoint,
      String(e.weight),
      String(e.localityWeight),
      e.health,
      String(e.priority),
      e.locality || '-',
      e.kind === 'direct' ? 'direct' : `gateway of ${e.network}`,
      e.kind === 'direct' ? (e.cluster ?? '-') : `${e.network}: ${plural(e.endpointCount ?? 0, 'endpoint')}`,
    ]);
    out += formatTable(['ENDPOINT', 'WEIGHT', 'LOCALITY WEIGHT', 'HEALTH', 'PRIORITY', 'LOCALITY', 'VIA', 'CLUSTER'], rows);
  }
  if (a.localityLb) {
    const lb = a.localityLb;
    out += `locality load balancing: ${lb.mode}${lb.source ? ` (from the ${lb.source === 'mesh' ? 'mesh config' : 'DestinationRule'})` : ''}${lb.reason ? `: ${lb.reason}` : ''}\n`;
  }
  if (a.failoverOrder && a.failoverOrder.length > 0) {
    out += 'failover order (the next priority is used when all before it fail):\n';
    for (const s of a.failoverOrder) {
      const via = s.viaGateways > 0 ? `, ${plural(s.viaGateways, 'endpoint')} via gateways` : '';
      out += `  priority ${s.priority}: ${plural(s.direct, 'endpoint')} direct${via} (${s.networks.map((n) => n || '(no network)').join(', ')})${s.why ? `: ${s.why}` : ''}\n`;
    }
  }
  const shares = a.explain.networks.map((n) => `${n.network || '(no network)'} ${n.mode === 'direct' ? 'direct' : 'via gateway'} ${plural(n.endpoints, 'endpoint')} share ${n.share}`);
  if (shares.length > 0) out += `traffic: ${shares.join('; ')}\n`;
  if (!a.explain.multiNetwork) out += 'no gateway is known in any network: every healthy endpoint is sent directly\n';
  for (const g of a.explain.ignoredGateways) out += `ignored gateway ${g.gateway.address}:${g.gateway.port} of ${g.gateway.network}: ${g.reason}\n`;
  if (a.leftOut.length > 0) {
    out += `left out (${a.leftOut.length}):\n`;
    out += formatTable(
      ['ENDPOINT', 'CLUSTER', 'NETWORK', 'POD', 'REASON', 'DETAIL'],
      a.leftOut.map((x) => [x.endpoint, x.cluster, x.network || '-', x.pod ?? '-', x.reason, x.detail]),
    );
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
