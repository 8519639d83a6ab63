// A ClusterLoadAssignment plan as a person reads it: one line per endpoint sent (direct or through
// which gateway, with weights) and one per endpoint left out, with the reason.
import type { AssignmentResult } from '../xds/generators/eds.js';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function formatAssignment(service: string, clusterName: string, network: string, result: AssignmentResult | undefined): string {
  const head = `${service} as a caller on ${network} receives it (${clusterName}):`;
  if (!result) return `${head}\n  no such service or port`;
  const rows: string[][] = [['ENDPOINT', 'WEIGHT', 'LOCALITY', 'VIA', 'ORIGIN']];
  for (const g of result.plan.groups) {
    const locality = [g.locality.region, g.locality.zone, g.locality.subzone].filter(Boolean).join('/') || '-';
    for (const e of g.lbEndpoints) {
      rows.push([
        `${e.address}:${e.port}`,
        String(e.loadBalancingWeight),
        locality,
        e.kind === 'direct' ? 'direct' : `gateway of ${e.network}`,
        e.kind === 'direct' ? `${e.cluster}${e.podName ? ` ${e.podName}` : ''}` : `${e.endpointCount} endpoint(s) of ${e.network}`,
      ]);
    }
  }
  const lines = [head, table(rows).replace(/^/gm, '  ')];
  if (result.plan.excluded.length > 0) {
    lines.push('  left out:');
    for (const x of result.plan.excluded) lines.push(`    ${x.address}:${x.port} (${x.cluster}, ${x.network || 'unknown network'}): ${x.reason}: ${x.detail}`);
  }
  return lines.join('\n');
}
