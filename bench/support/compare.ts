// Two checkouts side by side: the same scenario from another checkout's bench/ ("before") and from this
// one ("after"), alternately in one session (before, after, then after, before, ...) so machine noise
// falls on both, each run in its own process writing its JSON into a folder of its own; then the
// headline figures of both sides joined, with ratios. Used by `npm run bench -- S1 --compare <dir>`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmtHeadline, headlines, type Headline } from './headlines.js';
import { machineFacts, machineLine, printTable, writeResult } from './report.js';

export interface Side {
  label: 'before' | 'after';
  /** Root of the checkout (its bench/ and node_modules are used as they are). */
  root: string;
}

/** Runs one scenario file of a checkout in a fresh process; its JSON lands in `resultsDir`. */
export function runScenarioOf(root: string, file: string, flags: readonly string[], resultsDir?: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-old-space-size=8192', path.join(root, 'bench', file), ...flags], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, HORIZON_LOG_LEVEL: process.env.HORIZON_LOG_LEVEL ?? 'warn', ...(resultsDir ? { BENCH_RESULTS_DIR: resultsDir } : {}) },
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function readResults(dir: string): Record<string, unknown>[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Per headline key: its unit and the value of every run of each side. */
type Joined = Map<string, { unit: Headline['unit']; before: number[]; after: number[] }>;

function join(scenario: string, before: Record<string, unknown>[], after: Record<string, unknown>[]): Joined {
  const out: Joined = new Map();
  const add = (side: 'before' | 'after', results: Record<string, unknown>[]) => {
    for (const r of results) {
      for (const h of headlines(scenario, r)) {
        if (!out.has(h.key)) out.set(h.key, { unit: h.unit, before: [], after: [] });
        out.get(h.key)![side].push(h.value);
      }
    }
  };
  add('before', before);
  add('after', after);
  return out;
}

/**
 * Whether after is slower, by ranges, not by medians alone: "SLOWER" only when every after run is worse
 * than every before run and the medians differ by more than 5%; "faster" the other way round; otherwise
 * the runs overlap or differ by less than that (noise decides).
 */
function verdict(before: readonly number[], after: readonly number[]): string {
  if (before.length === 0 || after.length === 0) return 'only one side';
  const ratio = median(after) / median(before);
  if (Math.min(...after) > Math.max(...before)) return ratio > 1.05 ? 'SLOWER' : 'within 5%';
  if (Math.max(...after) < Math.min(...before)) return ratio < 0.95 ? 'faster' : 'within 5%';
  return 'overlap';
}

const range = (xs: readonly number[], unit: Headline['unit']) =>
  xs.length === 0 ? '-' : xs.length === 1 ? fmtHeadline(xs[0]!, unit) : `${fmtHeadline(median(xs), unit)} [${fmtHeadline(Math.min(...xs), unit)}-${fmtHeadline(Math.max(...xs), unit)}]`;

/**
 * Runs `scenario` `runs` times from each side, alternating which goes first, then prints the headline
 * figures side by side and writes bench/results/compare-<scenario>-<time>.json. Returns the failed runs.
 */
export async function compareScenario(scenario: string, file: string, flags: readonly string[], sides: readonly [Side, Side], runs: number): Promise<number> {
  const machine = machineFacts();
  const work = mkdtempSync(path.join(os.tmpdir(), `horizon-compare-${scenario}-`));
  let failed = 0;
  const exists = sides.map((s) => existsSync(path.join(s.root, 'bench', file)));
  try {
    for (let k = 0; k < runs; k++) {
      const order = k % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
      for (const side of order) {
        if (!exists[sides.indexOf(side)]) continue;
        const dir = path.join(work, side.label, String(k));
        mkdirSync(dir, { recursive: true });
        console.log(`\n--- ${scenario} ${side.label} (${side.root}), run ${k + 1} of ${runs}`);
        const code = await runScenarioOf(side.root, file, flags, dir);
        if (code !== 0) {
          failed++;
          console.log(`--- ${scenario} ${side.label} run ${k + 1} FAILED (exit ${code})`);
        }
      }
    }
    const collect = (label: string) => Array.from({ length: runs }, (_, k) => readResults(path.join(work, label, String(k)))).flat();
    const before = collect('before');
    const after = collect('after');
    const joined = join(scenario, before, after);
    const rows = [...joined].map(([key, v]) => [
      key,
      range(v.before, v.unit),
      range(v.after, v.unit),
      v.before.length && v.after.length ? `${(median(v.after) / median(v.before)).toFixed(2)}x` : '-',
      verdict(v.before, v.after),
    ]);
    printTable(
      `${scenario} before (${sides[0].root}) and after (${sides[1].root}), ${runs} run(s) each, alternating; median [min-max]; lower is better`,
      ['figure', 'before', 'after', 'after / before', 'verdict'],
      rows,
    );
    if (!exists[0]) console.log(`  (${sides[0].root} has no bench/${file}: after only)`);
    console.log('  verdict: SLOWER = every after run worse than every before run and the medians > 5% apart; faster = the reverse; overlap = within the noise of these runs.');
    console.log(`  machine: ${machineLine(machine)}; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
    writeResult(
      `compare-${scenario}`,
      {
        before: { root: sides[0].root, runs: before.length },
        after: { root: sides[1].root, runs: after.length },
        figures: Object.fromEntries([...joined].map(([key, v]) => [key, { ...v, ratio: median(v.after) / median(v.before), verdict: verdict(v.before, v.after) }])),
        loadAverageAtEnd: os.loadavg(),
        results: { before, after },
      },
      machine,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return failed;
}
