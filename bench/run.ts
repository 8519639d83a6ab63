// Runs the performance scenarios, each in a fresh process (its own heap, --expose-gc for memory figures):
//   npm run bench                      every scenario (about 6 minutes on 2 cores)
//   npm run bench -- S2                one scenario (S1..S7, case-insensitive; several allowed)
//   npm run bench -- S3 --duration 300 flags after the names go to every scenario run
//   npm run bench -- --list            what each scenario measures
// Results: a table per scenario on stdout, a JSON file per scenario under bench/results/.
// --profile <dir> writes a CPU profile of each scenario's measured phase (read it with
// `node --import tsx bench/support/profile-top.ts <file>` or Chrome DevTools).
//   npm run bench -- S1 S2 --compare <checkout> [--compare-runs 3]
//                                      the same scenarios from another checkout (before) and this one
//                                      (after), alternately, joined side by side with ratios
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareScenario, runScenarioOf } from './support/compare.js';
import { machineLine } from './support/report.js';

const SCENARIOS: Record<string, { file: string; what: string }> = {
  S1: { file: 's1-eds-generation.ts', what: "EDS generation + encoding per op, istiod's cases, cold and cached" },
  S2: { file: 's2-fanout.ts', what: 'one endpoint change fanned out to 1000 and 2000 streams, beside a bare grpc-js fan-out' },
  S3: { file: 's3-churn.ts', what: 'sustained churn: 50k endpoints, 30 pod changes/s, 1000 streams: CPU, p99, RSS over time' },
  S4: { file: 's4-reconnect-storm.ts', what: 'reconnect storm: 1000 streams x 100 clusters subscribe at once' },
  S5: { file: 's5-initial-sync.ts', what: 'initial sync: 4 clusters, 10k services, 150k endpoints' },
  S6: { file: 's6-memory.ts', what: 'memory per EDS stream (marginal, 1000 -> 2000 streams), the one-off shared state (resource cache), per 10k endpoints' },
  S7: { file: 's7-mesh-networks.ts', what: 'meshNetworks at its limits: 10k networks accepted (parse, lookup, ready, RSS), a 10 MB document refused' },
};

const args = process.argv.slice(2);
if (args.includes('--list') || args.includes('--help')) {
  for (const [k, v] of Object.entries(SCENARIOS)) console.log(`${k}  ${v.what}`);
  process.exit(0);
}
const names: string[] = [];
let i = 0;
for (; i < args.length && !args[i]!.startsWith('-'); i++) {
  const n = args[i]!.toUpperCase();
  if (!SCENARIOS[n]) {
    console.error(`unknown scenario ${JSON.stringify(args[i])} (have: ${Object.keys(SCENARIOS).join(', ')})`);
    process.exit(2);
  }
  names.push(n);
}
const flags = args.slice(i);
const selected = names.length > 0 ? names : Object.keys(SCENARIOS);
/** Takes `--<name> <value>` out of the flags the scenarios get. */
function takeFlag(name: string): string | undefined {
  const at = flags.indexOf(`--${name}`);
  if (at < 0) return undefined;
  const value = flags[at + 1];
  if (value === undefined || value.startsWith('--')) {
    console.error(`--${name} needs a value`);
    process.exit(2);
  }
  flags.splice(at, 2);
  return value;
}
const compareWith = takeFlag('compare');
const compareRuns = Number(takeFlag('compare-runs') ?? '1');
if (!Number.isInteger(compareRuns) || compareRuns < 1) {
  console.error('--compare-runs must be a positive integer');
  process.exit(2);
}
const here = fileURLToPath(new URL('..', import.meta.url));
if (compareWith && !existsSync(path.join(compareWith, 'bench', 'run.ts'))) {
  console.error(`--compare ${compareWith}: not a Horizon checkout (no bench/run.ts there)`);
  process.exit(2);
}

console.log(`Horizon benchmarks: ${selected.join(', ')} on ${machineLine()}`);
const started = Date.now();
const failed: string[] = [];
for (const name of selected) {
  const t = Date.now();
  console.log(`\n=== ${name}: ${SCENARIOS[name]!.what}`);
  const code = compareWith
    ? await compareScenario(name, SCENARIOS[name]!.file, flags, [{ label: 'before', root: path.resolve(compareWith) }, { label: 'after', root: here }], compareRuns)
    : await runScenarioOf(here, SCENARIOS[name]!.file, flags);
  console.log(`=== ${name} ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  if (code !== 0) failed.push(name);
}
console.log(`\nall done in ${((Date.now() - started) / 1000).toFixed(0)} s${failed.length ? `; failed: ${failed.join(', ')}` : ''}`);
process.exit(failed.length ? 1 : 0);
