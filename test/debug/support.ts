// Shared bits of the debug tests: the demo's pod and gateway addresses (from test/support), and the edsz answer's types.
import type { ClusterzEntry, NetworkEdsz } from '../../src/debug/index.js';
import { getJson } from '../support/debug-http.js';

export type { ClusterzEntry, NetworkEdsz };

export { gatewayIp, helloPod } from '../support/demo-mesh.js';

export async function clusterz(url: string, token?: string): Promise<ClusterzEntry[]> {
  const r = await getJson<ClusterzEntry[]>(url, '/debug/clusterz', token ? { token } : {});
  if (r.status !== 200) throw new Error(`clusterz answered ${r.status}: ${r.text}`);
  return r.body;
}

/** What a caller on `network` receives for helloworld:5000 (the one assignment). */
export async function helloEdsz(url: string, network: string, extra = ''): Promise<NetworkEdsz['assignments'][number]> {
  const r = await getJson<NetworkEdsz>(url, `/debug/edsz?network=${network}&host=helloworld.sample:5000&subset=${extra}`);
  if (r.status !== 200) throw new Error(`edsz answered ${r.status}: ${r.text}`);
  if (r.body.assignments.length !== 1) throw new Error(`expected one assignment, got ${r.body.assignments.length}`);
  return r.body.assignments[0]!;
}

export const endpointsOf = (a: NetworkEdsz['assignments'][number]) => a.endpoints.map((e) => e.endpoint).sort();
