// `horizon status`: the state of a running Horizon at a glance: clusters and their sync status (refused
// remote Secrets with the reason), networks with their gateways and topology problems, connected proxies.
import { Command, Option } from 'commander';
import type { Adsz, ClusterzEntry, Networkz } from '../../debug/index.js';
import { addDebugClientOptions, debugGet, type DebugClientFlags } from '../debug-client.js';
import { formatTable } from '../table.js';

interface Flags extends DebugClientFlags {
  output: 'table' | 'json';
}

export interface StatusReport {
  clusters: ClusterzEntry[];
  networks: Networkz;
  proxies: Adsz;
}

export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description("a running Horizon's clusters, networks with their gateways, and connected proxies")
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'));
  addDebugClientOptions(command).action(async (flags: Flags) => {
    const [clusters, networks, proxies] = await Promise.all([
      debugGet<ClusterzEntry[]>(flags, '/debug/clusterz'),
      debugGet<Networkz>(flags, '/debug/networkz'),
      debugGet<Adsz>(flags, '/debug/adsz'),
    ]);
    const report: StatusReport = { clusters, networks, proxies };
    process.stdout.write(flags.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  });
}

export function renderStatus(r: StatusReport): string {
  let out = 'CLUSTERS\n';
  out += formatTable(
    ['ID', 'PRIMARY', 'ORIGIN', 'SECRET', 'STATUS', 'SERVER', 'PROBLEM'],
    r.clusters.map((c) => [
      c.id,
      c.primary ? 'yes' : 'no',
      c.origin,
      c.secretName ? `${c.secretNamespace}/${c.secretName}:${c.secretKey}` : '-',
      c.syncStatus + (c.stale ? ' (stale)' : ''),
      c.server || '-',
      c.lastError ?? c.rotation?.message ?? '',
    ]),
  );
  out += '\nNETWORKS\n';
  const byNetwork = new Map<string, string[]>();
  for (const g of r.networks.gateways) {
    const list = byNetwork.get(g.network) ?? [];
    list.push(`${g.address}:${g.port} (${g.origin})`);
    byNetwork.set(g.network, list);
  }
  out +=
    byNetwork.size === 0
      ? 'no gateways known: every caller gets every endpoint directly\n'
      : formatTable(['NETWORK', 'GATEWAYS'], [...byNetwork].sort(([a], [b]) => a.localeCompare(b)).map(([n, gws]) => [n, gws.join(', ')]));
  for (const p of r.networks.problems) out += `${p.severity}: ${p.subject}: ${p.message}\n`;
  if (r.networks.unresolvedHostnames.length > 0) out += `gateway hostnames not resolved yet: ${r.networks.unresolvedHostnames.join(', ')}\n`;
  out += `\nPROXIES (${r.proxies.totalClients})\n`;
  if (r.proxies.clients.length > 0) {
    out += formatTable(
      ['ID', 'NETWORK', 'KIND', 'CLIENT', 'SUBSCRIPTIONS'],
      r.proxies.clients.map((c) => [c.proxy, c.network || '-', c.kind, c.client, String(Object.values(c.watches).reduce((n, w) => n + w.length, 0))]),
    );
  }
  return out;
}
