// S7: meshNetworks at and past its limits. A document decides its own size, so what it costs must be
// bounded by limits.ts: a document just under the limits (default 10k networks, under 1 MiB) must be
// accepted and ready in reasonable time and memory; a 10 MB one with 100k networks must be refused fast.
//   parse: parseMeshNetworks alone on the document just under the limits (median of 3), and on the big one;
//   lookup: the network of endpoints through that document's fromCidr prefixes (each endpoint is looked up
//     on every change: per lookup);
//   horizon: a whole Horizon on a small emulated mesh started with the document as --mesh-networks file:
//     start -> ready (networks in effect) and RSS growth; then the same with the big file (refused).
//   npm run bench -- S7 [--networks 10000] [--hostile-networks 100000] [--services 200] [--endpoints 10]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseMeshNetworks } from '../src/mesh-networks/index.js';
import { NetworkLookup } from '../src/topology/network-of.js';
import { ClusterHost, waitForMesh } from './support/cluster-host-client.js';
import { fmtMiB, fmtMs, machineFacts, machineLine, now, printTable, writeResult } from './support/report.js';
import { fullGc, settledRss } from './support/usage.js';
import type { MeshLayout } from './support/workload.js';
import { scenarioArgs } from './support/args.js';

const values = scenarioArgs('S7', {
  networks: { type: 'string', default: '10000' },
  'hostile-networks': { type: 'string', default: '100000' },
  services: { type: 'string', default: '200' },
  endpoints: { type: 'string', default: '10' },
});

/** A document of `n` networks, each with a /24 of its own and a gateway: about 90 bytes per network. */
function document(n: number): string {
  const lines = ['networks:'];
  for (let i = 0; i < n; i++) {
    const a = (i >> 16) & 255;
    const b = (i >> 8) & 255;
    const c = i & 255;
    lines.push(`  nw${i}: {endpoints: [{fromCidr: ${10 + a}.${b}.${c}.0/24}], gateways: [{address: 192.${a}.${b}.${c}, port: 15443}]}`);
  }
  return `${lines.join('\n')}\n`;
}

const machine = machineFacts();
console.log(`S7 meshNetworks at its limits (${machineLine(machine)})`);
const nUnder = Number(values.networks);
const nHostile = Number(values['hostile-networks']);
const under = document(nUnder);
const hostile = document(nHostile);
console.log(`  document under the limits: ${nUnder} networks, ${under.length} bytes; hostile: ${nHostile} networks, ${hostile.length} bytes`);

// ---- parse ----------------------------------------------------------------------------------------
const parseRuns: number[] = [];
let accepted = false;
for (let i = 0; i < 3; i++) {
  fullGc();
  const t = now();
  const r = parseMeshNetworks(under);
  parseRuns.push(now() - t);
  accepted = r.ok && r.value.networks.length === nUnder;
  if (!r.ok) console.log(`  the document under the limits was refused: ${r.errors[0]?.message}`);
}
parseRuns.sort((a, b) => a - b);
const t1 = now();
const refused = parseMeshNetworks(hostile);
const refuseMs = now() - t1;
const refusal = refused.ok ? `accepted (${refused.value.networks.length} networks)` : refused.errors[0]!.message;

// ---- lookup ---------------------------------------------------------------------------------------
const parsed = parseMeshNetworks(under);
const lookupCount = 150_000;
let lookupUs = NaN;
let lookupHits = 0;
if (parsed.ok) {
  const lookup = new NetworkLookup(parsed.value);
  const addresses = Array.from({ length: lookupCount }, (_, k) => {
    const i = k % nUnder;
    return `${10 + ((i >> 16) & 255)}.${(i >> 8) & 255}.${i & 255}.${1 + (k % 250)}`;
  });
  const t = now();
  for (const address of addresses) if (lookup.networkOf({ cluster: 'c', address }).source === 'fromCidr') lookupHits++;
  lookupUs = ((now() - t) * 1000) / lookupCount;
}

// ---- a whole Horizon ------------------------------------------------------------------------------
const layout: MeshLayout = { clusters: 2, networks: 2, services: Number(values.services), endpointsPerService: Number(values.endpoints), namespaces: 4 };
const host = await ClusterHost.start(layout);
await host.load();
const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-s7-'));

async function horizonWith(text: string, name: string): Promise<{ readyMs: number; rssGrowth: number; networks: number; error: string | undefined }> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  const rss0 = await settledRss();
  const t = now();
  const horizon = await host.startHorizon({ meshNetworksFile: file });
  await horizon.whenReady();
  const readyMs = now() - t;
  await waitForMesh(horizon, layout);
  const rssGrowth = (await settledRss()) - rss0;
  const source = horizon.meshNetworks.sources().find((s) => s.name.startsWith('file'));
  const out = { readyMs, rssGrowth, networks: horizon.mesh.effectiveMeshNetworks().value.networks.length, error: source?.error };
  await horizon.close();
  return out;
}

// The refused one first: its RSS growth is then not measured on top of the accepted one's leftovers.
const big = await horizonWith(hostile, 'hostile.yaml');
const ok = await horizonWith(under, 'under.yaml');
await rm(dir, { recursive: true, force: true });
await host.close();

printTable(
  `S7 meshNetworks: ${nUnder} networks (${fmtMiB(under.length)}) accepted, ${nHostile} (${fmtMiB(hostile.length)}) refused`,
  ['measure', 'value'],
  [
    [`parse ${nUnder} networks (median of 3)`, `${fmtMs(parseRuns[1]!)}${accepted ? '' : ' (REFUSED)'}`],
    [`refuse ${nHostile} networks`, `${fmtMs(refuseMs)}: ${refusal.slice(0, 90)}`],
    [`network of an endpoint through ${nUnder} fromCidr prefixes`, `${lookupUs.toFixed(2)} us (${lookupHits}/${lookupCount} matched)`],
    [`Horizon start -> ready, file of ${nUnder} networks`, `${fmtMs(ok.readyMs)}, ${ok.networks} networks in effect`],
    [`Horizon RSS growth, file of ${nUnder} networks`, fmtMiB(ok.rssGrowth)],
    [`Horizon start -> ready, file of ${nHostile} networks`, `${fmtMs(big.readyMs)}, ${big.networks} networks in effect`],
    [`Horizon RSS growth, file of ${nHostile} networks`, fmtMiB(big.rssGrowth)],
  ],
);
if (big.error) console.log(`  the big file's error: ${big.error.slice(0, 200)}`);
writeResult(
  'S7',
  {
    networks: nUnder,
    documentBytes: under.length,
    hostileNetworks: nHostile,
    hostileBytes: hostile.length,
    parseMs: parseRuns,
    accepted,
    refuseMs,
    refusal,
    lookupUs,
    lookupHits,
    horizonUnder: ok,
    horizonHostile: big,
  },
  machine,
);
process.exit(0);
