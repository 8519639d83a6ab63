// istiod's own BenchmarkEndpointGeneration (pilot/pkg/xds/bench_test.go of the pinned istio.io/istio
// module, tools/istiod/go.mod), run here with `go test -bench` beside Horizon's S1 (`npm run bench -- S1
// --peer istiod`). The module cache is read-only, so the module's source is copied to a temp dir and the
// test binary built there (nothing of it enters this repository).
//
// Two builds, each named in S1's table:
//   as shipped: the benchmark unchanged. In 1.31.0 it asks the EDS generator with an empty PushRequest,
//               which the generator answers with "nothing to push": 0 resources per op (its own
//               resources/msg metric says so), so its ns/op is the cost of deciding to skip;
//   generating: three edits so it generates what Horizon's S1 generates: the request is Forced (every
//               watched cluster regenerated, as on a full push), the WorkloadEntries carry
//               security.istio.io/tlsMode=istio (without it istiod leaves out every endpoint on another
//               network) and the proxy sits on network-0 of the 4 (Horizon's S1 views from network1 of 4):
//               each assignment then holds the local endpoints and one gateway per other network.
// XDS caching stays off (the benchmark's own setting), as in Horizon's cold loop.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export type GoBenchBuild = 'as-shipped' | 'generating';

export interface GoBenchCase {
  /** `endpoints/services`, as S1 names its cases. */
  case: string;
  nsPerOp: number;
  bytesPerOp: number;
  allocsPerOp: number;
  kbPerMsg: number;
  resourcesPerMsg: number;
  iterations: number;
}

/** A source edit: `from` must occur exactly once. */
interface Edit {
  from: string;
  to: string;
  why: string;
}

const GENERATING: Edit[] = [
  {
    from: 'Generate(proxy, wr, &model.PushRequest{Push: s.PushContext()})',
    to: 'Generate(proxy, wr, &model.PushRequest{Forced: true, Push: s.PushContext()})',
    why: 'an empty request makes the EDS generator push nothing',
  },
  {
    from: '"app":  "foo-" + strconv.Itoa(s),\n',
    to: '"app":  "foo-" + strconv.Itoa(s),\n\t\t\t\t\t"security.istio.io/tlsMode": "istio",\n',
    why: 'istiod sends endpoints on other networks only for mTLS-capable workloads',
  },
  {
    from: 'Metadata:        &model.NodeMetadata{},\n\t\t\t}\n\t\t\tpush := s.PushContext()',
    to: 'Metadata:        &model.NodeMetadata{Network: "network-0"},\n\t\t\t}\n\t\t\tpush := s.PushContext()',
    why: 'a proxy on one of the 4 networks, as Horizon\'s S1 views from network1',
  },
];

export const GO_BENCH_BUILDS: Record<GoBenchBuild, { label: string; edits: Edit[] }> = {
  'as-shipped': { label: 'istiod benchmark as shipped (generates nothing)', edits: [] },
  generating: { label: 'istiod benchmark, generating (Forced, mTLS pods, proxy on network-0)', edits: GENERATING },
};

/** The pinned istio.io/istio module version (tools/istiod/go.mod) and its directory in the module cache. */
async function istioModuleDir(): Promise<string> {
  const gomod = await readFile(path.join(repoRoot, 'tools', 'istiod', 'go.mod'), 'utf8');
  const m = /^\s*istio\.io\/istio (v\S+)/m.exec(gomod);
  if (!m) throw new Error('tools/istiod/go.mod: no istio.io/istio requirement');
  const { stdout } = await run('go', ['env', 'GOMODCACHE']);
  return path.join(stdout.trim(), 'istio.io', `istio@${m[1]}`);
}

/** Parses `BenchmarkEndpointGeneration/10/10-2  285915  6604 ns/op  0 kb/msg  0 resources/msg  1160 B/op  17 allocs/op`. */
export function parseGoBench(out: string): GoBenchCase[] {
  const cases: GoBenchCase[] = [];
  for (const line of out.split('\n')) {
    const m = /^BenchmarkEndpointGeneration\/(\d+\/\d+)(?:-\d+)?\s+(\d+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    const metrics = new Map<string, number>();
    for (const mm of m[3]!.matchAll(/([0-9.e+-]+) (\S+)/g)) metrics.set(mm[2]!, Number(mm[1]));
    cases.push({
      case: m[1]!,
      iterations: Number(m[2]),
      nsPerOp: metrics.get('ns/op') ?? NaN,
      bytesPerOp: metrics.get('B/op') ?? NaN,
      allocsPerOp: metrics.get('allocs/op') ?? NaN,
      kbPerMsg: metrics.get('kb/msg') ?? NaN,
      resourcesPerMsg: metrics.get('resources/msg') ?? NaN,
    });
  }
  return cases;
}

/** Builds the test binaries of the given builds (in a temp copy of the module) and runs them. */
export async function runIstiodEndpointBenchmark(builds: GoBenchBuild[], log: (s: string) => void = () => undefined): Promise<Record<string, GoBenchCase[]>> {
  const src = await istioModuleDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'horizon-istiod-gobench-'));
  const out: Record<string, GoBenchCase[]> = {};
  try {
    for (const build of builds) {
      const copy = path.join(dir, build);
      // The module cache is read-only: copy, then make the copy writable.
      await run('cp', ['-R', src, copy]);
      await run('chmod', ['-R', 'u+w', copy]);
      const file = path.join(copy, 'pilot', 'pkg', 'xds', 'bench_test.go');
      let text = await readFile(file, 'utf8');
      for (const e of GO_BENCH_BUILDS[build].edits) {
        const n = text.split(e.from).length - 1;
        if (n !== 1) throw new Error(`istiod benchmark edit (${e.why}): expected the text once in ${file}, found ${n} times`);
        text = text.replace(e.from, e.to);
      }
      await writeFile(file, text);
      const bin = path.join(dir, `${build}.test`);
      log(`  building istiod's pilot/pkg/xds tests (${build}) in ${copy} ...`);
      // -trimpath: the build cache then does not key on this temp dir, so later runs compile only the
      // edited test package (the first build of istiod's packages takes minutes on 2 cores).
      await run('go', ['test', '-c', '-trimpath', '-o', bin, './pilot/pkg/xds/'], { cwd: copy, maxBuffer: 64 << 20, timeout: 3_600_000 });
      log(`  running BenchmarkEndpointGeneration (${build}) ...`);
      const { stdout } = await run(bin, ['-test.run', '^$', '-test.bench', '^BenchmarkEndpointGeneration$', '-test.benchmem'], { cwd: path.dirname(file), maxBuffer: 64 << 20, timeout: 1_800_000 });
      const cases = parseGoBench(stdout);
      if (cases.length === 0) throw new Error(`istiod benchmark (${build}): no BenchmarkEndpointGeneration lines in its output:\n${stdout.slice(-2000)}`);
      out[build] = cases;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return out;
}
